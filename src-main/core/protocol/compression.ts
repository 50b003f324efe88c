/**
 * kombu's body compression (kombu/compression.py): the `compression` header holds the content
 * type of the compressor, the body's bytes are compressed before base64. Node's zlib does
 * kombu's gzip/zlib (both are zlib data, RFC 1950) and brotli; bzip2, lzma and zstd would need
 * native modules Celeriac does not ship, and are refused by name.
 */
import { brotliCompressSync, brotliDecompressSync, deflateSync, unzipSync } from 'node:zlib';
import { CeleriacError, ConfigurationError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

export type CompressionName = 'zlib' | 'bzip2' | 'brotli' | 'lzma' | 'zstd';

interface Compression {
  name: CompressionName;
  /** The value of the `compression` header. */
  contentType: string;
  /** The names kombu registers it under. */
  aliases: readonly string[];
  /** Whether Node 20 can do it without a native module. */
  available: boolean;
}

const COMPRESSIONS: readonly Compression[] = [
  { name: 'zlib', contentType: 'application/x-gzip', aliases: ['gzip', 'zlib'], available: true },
  { name: 'bzip2', contentType: 'application/x-bz2', aliases: ['bzip2', 'bzip'], available: false },
  { name: 'brotli', contentType: 'application/x-brotli', aliases: ['brotli'], available: true },
  { name: 'lzma', contentType: 'application/x-lzma', aliases: ['lzma', 'xz'], available: false },
  { name: 'zstd', contentType: 'application/zstd', aliases: ['zstd', 'zstandard'], available: false },
];

/** A compression kombu knows but Node 20 cannot do without a native module. */
export class UnsupportedCompressionError extends CeleriacError {
  constructor(readonly compression: string) {
    super(
      `${compression} compression needs a native module Celeriac does not ship (Node 20's zlib has gzip/zlib and brotli): ` +
        'send with compression gzip, zlib or brotli, or none',
      'E_UNSUPPORTED_COMPRESSION',
    );
  }
}

/** Why a compressed body could not be read (corrupt, or larger than the limit once inflated). */
export class DecompressError extends Error {}

function find(nameOrType: string): Compression | undefined {
  return COMPRESSIONS.find((c) => c.contentType === nameOrType || c.aliases.includes(nameOrType));
}

/**
 * The `compression` header value for a name as kombu takes it (`gzip`, `zlib`, `bzip2`, `lzma`,
 * `xz`, `brotli`, `zstd`, or a content type).
 * @throws ConfigurationError for names kombu does not have, UnsupportedCompressionError for bzip2, lzma, zstd
 */
export function resolveCompression(nameOrType: string): string {
  const c = find(nameOrType);
  if (!c) throw new ConfigurationError(`compression ${JSON.stringify(nameOrType)} is not one of kombu's: gzip, zlib, bzip2, lzma, brotli, zstd`);
  if (!c.available) throw new UnsupportedCompressionError(c.aliases[0]!);
  return c.contentType;
}

/** Compresses bytes for a `compression` header value (from resolveCompression). */
export function compress(contentType: string, bytes: Buffer): Buffer {
  const c = find(contentType);
  if (!c?.available) throw new UnsupportedCompressionError(c?.aliases[0] ?? contentType);
  return c.name === 'brotli' ? brotliCompressSync(bytes) : deflateSync(bytes);
}

/**
 * Decompresses a body, to at most `maxBytes` (a small body may inflate a thousandfold).
 * @throws UnsupportedCompressionError, DecompressError
 */
export function decompress(contentType: string, bytes: Buffer, maxBytes: number = MAX_MESSAGE_BYTES): Buffer {
  const c = find(contentType);
  if (!c) throw new DecompressError(`compression ${JSON.stringify(contentType)} is not one of kombu's`);
  if (!c.available) throw new UnsupportedCompressionError(c.aliases[0]!);
  try {
    // unzip takes zlib data (what kombu writes) and gzip data (what other clients might) alike.
    return c.name === 'brotli' ? brotliDecompressSync(bytes, { maxOutputLength: maxBytes }) : unzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new DecompressError(`inflates past ${maxBytes} bytes`);
    throw new DecompressError(`is not valid ${c.aliases[0]} data (${(err as Error).message})`);
  }
}
