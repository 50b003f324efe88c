export { buildTaskMessage, type SendOptions, type ProducerIdentity } from './build.js';
export { decodeTaskMessage, type DecodeResult } from './decode.js';
export { encodeTaskMessage, toEnvelope } from './encode.js';
export { argsRepr, kwargsRepr, pyRepr } from './pyrepr.js';
export { parseCeleryIso, toCeleryIso, toNaiveUtcIso } from './time.js';
export { EMPTY_EMBED, type Embed, type KombuEnvelope, type TaskMessage } from './types.js';
export { assertJsonSerializable } from './json-check.js';
