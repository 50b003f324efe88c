/** Alert episodes and the rules read from the settings file, without Redis. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AlertEvaluator } from '../../src-main/service/alerts/alert-evaluator.js';
import { AlertConfigStore, checkConfig } from '../../src-main/service/alerts/alert-config-store.js';
import { readSettingsObject, SettingsFileDamagedError } from '../../src-main/service/room/settings-json.js';
import { durationWords } from '../../src-main/service/alerts/alert-words.js';
import { EpisodeBook, MAX_EPISODES_FILE_BYTES } from '../../src-main/service/alerts/episode-book.js';
import { MAX_PENDING_FILE_BYTES, pendingPathOf, savePending, takePending } from '../../src-main/service/alerts/pending-webhooks.js';
import { ALERT_HISTORY_LIMIT, MAX_SETTINGS_FILE_BYTES, type AlertRule, type TaskFigures } from '../../src-main/service/contract/index.js';

const rule = { id: 'r1', name: 'deep', kind: 'queue-depth' as const };
const holding = (...subjects: string[]): Map<string, string> => new Map(subjects.map((s) => [s, `${s} is deep`]));

describe('the episode book', () => {
  it('fires an episode once per subject while it holds, and resolves it once when it stops', () => {
    const book = new EpisodeBook(null);
    expect(book.settle(rule, holding('a'), 1000).map((a) => [a.subject, a.state])).toEqual([['a', 'firing']]);
    expect(book.settle(rule, holding('a', 'b'), 1500).map((a) => [a.subject, a.state])).toEqual([['b', 'firing']]);
    expect(book.settle(rule, holding('a', 'b'), 2000)).toEqual([]);
    const [gone] = book.settle(rule, holding('a'), 3000);
    expect(gone).toMatchObject({ subject: 'b', state: 'resolved', firedAt: 1500, resolvedAt: 3000, summary: 'b is deep', ruleName: 'deep' });
    expect(book.settle(rule, holding('a'), 4000)).toEqual([]);
    expect(book.settle(rule, holding('a', 'b'), 5000).map((a) => [a.subject, a.state, a.id === gone!.id])).toEqual([['b', 'firing', false]]);
    expect(book.firingNow().map((a) => a.subject)).toEqual(['b', 'a']);
    expect(book.history().map((a) => [a.subject, a.state])).toEqual([['b', 'firing'], ['b', 'resolved'], ['a', 'firing']]);
  });

  it("resolves a rule's episodes when the rule is no longer kept, and no other rule's", () => {
    const book = new EpisodeBook(null);
    book.settle(rule, holding('a'));
    book.settle({ ...rule, id: 'r2' }, holding('a'));
    expect(book.resolveRulesBut(new Set(['r2'])).map((a) => [a.ruleId, a.state])).toEqual([['r1', 'resolved']]);
    expect(book.firingNow().map((a) => a.ruleId)).toEqual(['r2']);
  });

  it('keeps the newest episodes in its file, and reads them back; a damaged file starts afresh', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'celeriac-episodes-')), 'alerts', 'p.json');
    const book = new EpisodeBook(file);
    for (let i = 0; i < ALERT_HISTORY_LIMIT + 20; i++) {
      book.settle(rule, holding(`q${i}`), i);
      book.settle(rule, holding(), i);
    }
    book.settle(rule, holding('still'), 1e6);
    book.flush();
    const again = new EpisodeBook(file);
    expect(again.firingNow().map((a) => a.subject)).toEqual(['still']);
    expect(again.history()).toHaveLength(ALERT_HISTORY_LIMIT);
    expect(again.history()[1]!.subject).toBe(`q${ALERT_HISTORY_LIMIT + 19}`);
    expect(again.settle(rule, holding('still'))).toEqual([]);
    writeFileSync(file, '{"episodes": [{"id": 1}, "x"');
    expect(new EpisodeBook(file).history()).toEqual([]);
    expect(readFileSync(file, 'utf8')).toContain('"x"'); // read, never written over until something changes
  });

  it('keeps every firing episode in its file, however long ago it fired, so a restart does not fire it again', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'celeriac-episodes-')), 'p.json');
    const book = new EpisodeBook(file);
    book.settle(rule, holding('old'), 1);
    for (let i = 0; i < ALERT_HISTORY_LIMIT + 20; i++) {
      book.settle({ ...rule, id: 'r2' }, holding(`q${i}`), 10 + i);
      book.settle({ ...rule, id: 'r2' }, holding(), 10 + i);
    }
    book.flush();
    const again = new EpisodeBook(file);
    expect(again.firingNow().map((a) => a.subject)).toEqual(['old']);
    expect(again.settle(rule, holding('old'), 1e6)).toEqual([]);
    expect(again.kept()).toHaveLength(ALERT_HISTORY_LIMIT);
    expect(again.kept()[1]!.subject).toBe(`q${ALERT_HISTORY_LIMIT + 19}`);
  });

  it('starts afresh, untouched, from an episodes file past its size', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'celeriac-episodes-')), 'p.json');
    const episode = { id: 'e', ruleId: 'r1', ruleName: 'deep', kind: 'queue-depth', subject: 'a', state: 'firing', summary: 'x'.repeat(1000), firedAt: 1, resolvedAt: null };
    writeFileSync(file, JSON.stringify({ version: 1, episodes: [episode] }) + ' '.repeat(MAX_EPISODES_FILE_BYTES));
    const book = new EpisodeBook(file);
    expect(book.firingNow()).toEqual([]);
    expect(book.loadProblem).toMatch(/is larger than .* started afresh/);
  });
});

describe('webhook messages kept over a stop', () => {
  it('gives back what was kept once, and drops a file past its size, saying so', () => {
    const file = pendingPathOf(join(mkdtempSync(join(tmpdir(), 'celeriac-pending-')), 'p.json'));
    const message = { url: 'http://127.0.0.1:1/hook', body: '{"text":"x"}' };
    savePending(file, [message]);
    expect(takePending(file)).toEqual({ messages: [message], problem: null });
    expect(takePending(file)).toEqual({ messages: [], problem: null });
    writeFileSync(file, JSON.stringify({ version: 1, messages: [message] }) + ' '.repeat(MAX_PENDING_FILE_BYTES));
    expect(takePending(file)).toEqual({ messages: [], problem: expect.stringMatching(/is larger than \d+ bytes .* were dropped$/) });
    expect(existsSync(file)).toBe(false);
  });
});

describe('rules read from the settings file', () => {
  it('refuses a settings file past its size: no rules are evaluated, and it is never written over', () => {
    const settingsPath = join(mkdtempSync(join(tmpdir(), 'celeriac-settings-')), 'settings.json');
    writeFileSync(settingsPath, JSON.stringify({ alerts: { p: { rules: [] } }, pad: 'x'.repeat(MAX_SETTINGS_FILE_BYTES) }));
    const read = new AlertConfigStore({ settingsPath, profileId: 'p' }).current();
    expect(read.config.rules).toEqual([]);
    expect(read.problems).toEqual([expect.stringMatching(/could not be read \(it is \d+ bytes, more than the 1048576 a settings file may be\): no alert rules are evaluated/)]);
    expect(() => readSettingsObject(settingsPath, 'the alert rules were')).toThrow(SettingsFileDamagedError);
  });


  it('keeps the valid rules and says why each other one was skipped', () => {
    const good = { id: 'ok', name: '', enabled: true, kind: 'events-silent', seconds: 60 };
    const read = checkConfig({ rules: [good, { ...good, id: 'bad id!' }, { ...good, id: 'more', seconds: 0 }, 'x', good], delivery: { webhookUrl: 'ftp://x', desktop: true } }, 'alerts["p"]');
    expect(read.config).toEqual({ rules: [good], delivery: { webhookUrl: null, desktop: true } });
    expect(read.problems).toEqual([
      expect.stringMatching(/^settings\.json alerts\["p"\]\.delivery is invalid \(webhookUrl: .*\): nothing is sent to a webhook$/),
      expect.stringMatching(/^settings\.json alerts\["p"\]\.rules\[1\] \(bad id!\) is skipped: id: /),
      expect.stringMatching(/^settings\.json alerts\["p"\]\.rules\[2\] \(more\) is skipped: seconds: /),
      expect.stringMatching(/^settings\.json alerts\["p"\]\.rules\[3\] is skipped: /),
      'settings.json alerts["p"].rules[4] (ok) is skipped: another rule has its id',
    ]);
    expect(checkConfig([], 'alerts["p"]').problems).toEqual(['settings.json alerts["p"] is not an object: no alert rules are evaluated']);
  });

  it('says lengths of time in the units a person reads', () => {
    expect([45, 119, 300, 5400, 7200, 172_800].map(durationWords)).toEqual(['45 s', '119 s', '5 min', '90 min', '2 h', '2 d']);
  });
});

describe('the evaluator', () => {
  it('delivers what an evaluation settled when it ends while stopping waits for it', async () => {
    const sources = { app: { broker: { status: 'ready' } }, cluster: {}, history: { taskFigures: () => [{ name: 'tasks.x', count: 4, failureRate: 1, p50: null, p95: null }] } };
    const rate: AlertRule = { id: 'rate', name: '', enabled: true, kind: 'failure-rate', task: null, percent: 50, windowSeconds: 300, minTasks: 2 };
    const fired: string[] = [];
    const book = new EpisodeBook(null);
    const evaluator = new AlertEvaluator(sources as never, () => [rate], book, (changes) => fired.push(...changes.map((c) => `${c.subject} ${c.state}`)));
    const evaluation = evaluator.evaluate(1000);
    await evaluator.stop();
    await evaluation;
    expect(book.firingNow().map((a) => a.subject)).toEqual(['tasks.x']);
    expect(fired).toEqual(['tasks.x firing']);
  });

  it('says a probe that fails in its problems, logs it once, and goes on evaluating; the rule fires once the probe works', async () => {
    let figures: () => TaskFigures[] = () => {
      throw new Error('disk I/O error');
    };
    const sources = { app: { broker: { status: 'ready' } }, cluster: {}, history: { taskFigures: () => figures() } };
    const rate: AlertRule = { id: 'rate', name: '', enabled: true, kind: 'failure-rate', task: null, percent: 50, windowSeconds: 300, minTasks: 2 };
    const fired: string[] = [];
    const evaluator = new AlertEvaluator(sources as never, () => [rate], new EpisodeBook(null), (changes) => fired.push(...changes.map((c) => `${c.subject} ${c.state}`)));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await evaluator.evaluate(1000);
      await evaluator.evaluate(2000);
      expect(evaluator.problems()).toEqual(['rule "a task failing 50 % or more over 5 min" could not be evaluated: disk I/O error']);
      expect(warn.mock.calls).toEqual([['[Alerts] rule "a task failing 50 % or more over 5 min" could not be evaluated: disk I/O error']]);
      expect(evaluator.evaluatedAt).toBe(2000);
      figures = () => [{ name: 'tasks.x', count: 4, failureRate: 0.75, p50: null, p95: null }];
      await evaluator.evaluate(3000);
      expect(evaluator.problems()).toEqual([]);
      expect(fired).toEqual(['tasks.x firing']);
    } finally {
      warn.mockRestore();
    }
  });
});
