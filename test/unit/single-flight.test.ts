import { describe, expect, it } from 'vitest';
import { singleFlight } from '../../src-renderer/api/single-flight.js';

/** A request the test answers when it wants. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('a control that sends one request at a time (Retry, Send N again)', () => {
  it('ignores a second click while the first request is in flight, and is busy until it is answered', async () => {
    const answers = [deferred(), deferred()];
    let sent = 0;
    const busy: boolean[] = [];
    const click = singleFlight(() => answers[sent++]!.promise, (b) => busy.push(b));
    click();
    click();
    click();
    expect(sent).toBe(1);
    expect(busy).toEqual([true]);
    answers[0]!.resolve();
    await answers[0]!.promise;
    await new Promise((r) => setTimeout(r, 0));
    expect(busy).toEqual([true, false]);
    // Answered: a new click sends again.
    click();
    expect(sent).toBe(2);
  });

  it('ends the busy state when the request fails or throws at once', async () => {
    const failing = deferred();
    const busy: boolean[] = [];
    const click = singleFlight(() => failing.promise, (b) => busy.push(b));
    click();
    failing.reject(new Error('refused'));
    await new Promise((r) => setTimeout(r, 0));
    expect(busy).toEqual([true, false]);

    const states: boolean[] = [];
    const throwing = singleFlight(() => {
      throw new Error('no connection');
    }, (b) => states.push(b));
    throwing();
    await new Promise((r) => setTimeout(r, 0));
    expect(states).toEqual([true, false]);
  });
});
