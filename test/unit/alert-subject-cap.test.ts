/** A rule holding for more subjects than it may alert keeps alerting the same ones. */
import { describe, expect, it } from 'vitest';
import { cappedSubjects } from '../../src-main/service/alerts/subject-cap.js';

const holding = (subjects: string[]): Map<string, string> => new Map(subjects.map((s) => [s, `${s} holds`]));

describe('the subjects a rule alerts past its cap', () => {
  it('keeps those firing already first, then the rest by subject, whatever order the probe read them in', () => {
    const read = holding(['q9', 'q1', 'q7', 'q3', 'q5']);
    expect([...cappedSubjects(read, new Set(['q7', 'q9']), 3)]).toEqual([['q7', 'q7 holds'], ['q9', 'q9 holds'], ['q1', 'q1 holds']]);
    const reordered = holding(['q5', 'q3', 'q9', 'q7', 'q1']);
    expect([...cappedSubjects(reordered, new Set(['q7', 'q9']), 3).keys()]).toEqual(['q7', 'q9', 'q1']);
    expect([...cappedSubjects(reordered, new Set(), 3).keys()]).toEqual(['q1', 'q3', 'q5']);
  });

  it('leaves a rule within its cap as it is, and never alerts a firing subject that no longer holds', () => {
    expect([...cappedSubjects(holding(['b', 'a']), new Set(['c']), 3).keys()]).toEqual(['b', 'a']);
    expect([...cappedSubjects(holding(['d', 'b', 'a', 'c']), new Set(['z']), 2).keys()]).toEqual(['a', 'b']);
  });
});
