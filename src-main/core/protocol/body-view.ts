/**
 * An envelope's body as a reader is shown it: base64 undone, decompressed and deserialized
 * (json, msgpack, yaml) as a worker would, pickle never deserialized. For display only: what
 * cannot be read says why instead of throwing.
 */
import { decompress } from './compression.js';
import { deserialize, PICKLE_CONTENT_TYPE, serializerForContentType } from './serializers.js';

/** What a body that is not shown decoded is shown as. */
export type BodyShown = { decoded: true; value: unknown } | { decoded: false; why: string };

/**
 * The body of a parsed kombu envelope, decoded.
 * @param env the envelope, as JSON.parse gave it
 */
export function showBody(env: Record<string, unknown>): BodyShown {
  const type = String(env['content-type'] ?? '');
  if (type === PICKLE_CONTENT_TYPE) return { decoded: false, why: '(pickle: never deserialized)' };
  const serializer = serializerForContentType(type);
  if (!serializer) return { decoded: false, why: `(content type ${JSON.stringify(type)}: not decoded)` };
  const props = (typeof env.properties === 'object' && env.properties !== null ? env.properties : {}) as Record<string, unknown>;
  const headers = (typeof env.headers === 'object' && env.headers !== null ? env.headers : {}) as Record<string, unknown>;
  if (typeof env.body !== 'string' || props.body_encoding !== 'base64') return { decoded: false, why: '(not a base64 body: shown as sent)' };
  try {
    let bytes: Buffer = Buffer.from(env.body, 'base64');
    if (typeof headers.compression === 'string') bytes = decompress(headers.compression, bytes);
    return { decoded: true, value: deserialize(serializer, bytes) };
  } catch (err) {
    return { decoded: false, why: `(not decodable: ${(err as Error).message})` };
  }
}
