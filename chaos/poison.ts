/**
 * Messages no worker can run, as a broken or hostile client LPUSHes them: each must be
 * dead-lettered with its reason while every worker stays up.
 */
import { readFileSync } from 'node:fs';

const EMBED = '{"callbacks": null, "errbacks": null, "chain": null, "chord": null}';

function envelope(id: string, task: string, body: string, tag = `poison-${id}`): Record<string, unknown> {
  const capture = JSON.parse(readFileSync(new URL('../test/fixtures/celery-5.2.6/task-message.json', import.meta.url), 'utf8')) as { value: Record<string, unknown> };
  const { _decoded_body: _ignored, ...env } = capture.value as Record<string, unknown> & { headers: object; properties: object };
  return {
    ...env,
    headers: { ...(env.headers as object), task, id, root_id: id },
    properties: { ...(env.properties as object), correlation_id: id, delivery_tag: tag },
    body: Buffer.from(body).toString('base64'),
  };
}

/** The mix, and how many dead letters it makes. */
export function poisonMessages(prefix: string): { raws: string[]; deadLetters: number } {
  const deep = 4200;
  const raws = [
    'not json at all',
    JSON.stringify([1, 2, 3]),
    JSON.stringify({ ...envelope(`${prefix}-pickle`, 'chaos.work', '[[1, 0], {}, {}]'), 'content-type': 'application/x-python-serialize' }),
    JSON.stringify(envelope(`${prefix}-deep`, 'chaos.work', `[[${'['.repeat(deep)}1${']'.repeat(deep)}, 0], {}, ${EMBED}]`)),
    JSON.stringify(envelope(`${prefix}-unknown`, 'no.such.task', `[[1], {}, ${EMBED}]`)),
    // Protocol 1 runs (as on Celery 5); one whose kwargs are a list does not.
    JSON.stringify({ ...envelope(`${prefix}-v1`, 'chaos.work', `{"task": "chaos.work", "id": "${prefix}-v1", "args": [1], "kwargs": [1]}`), headers: {} }),
    JSON.stringify({ ...envelope(`${prefix}-eta`, 'chaos.work', `[[1, 0], {}, ${EMBED}]`), headers: { task: 'chaos.work', id: `${prefix}-eta`, eta: 'tomorrow-ish' } }),
  ];
  return { raws, deadLetters: raws.length };
}
