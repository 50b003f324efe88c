/**
 * Celeriac's built-in tasks: an ordinary task module, loaded by the control room's worker pool
 * by default and by any worker with `celeriac worker -A celeriac/tasks`. Python callers use the
 * same names: `app.send_task('resize_image', args=['in.jpg', 'out.jpg', [300, 300]])`.
 * Each declares its parameters (the control room builds forms and batches from them) and fails
 * with a message that names the file and what is wrong with it.
 */
import { createHash, getHashes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createBrotliCompress, createGzip, constants as zlib } from 'node:zlib';
import { createApp } from '../core/index.js';
import { inputSize, prepareOutput, streamWithProgress } from './files.js';

export const app = createApp();

const ALGORITHMS = ['sha256', 'sha512', 'sha1', 'md5'].filter((a) => getHashes().includes(a));

/** A file's digest, hex; reports progress by bytes read. */
export const checksum = app.task(
  'checksum',
  {
    params: [
      { name: 'path', type: 'file', help: 'The file to hash' },
      { name: 'algorithm', type: 'string', enum: ALGORITHMS, default: 'sha256' },
    ],
  },
  async function (path: string, algorithm: string = 'sha256') {
    if (!ALGORITHMS.includes(algorithm)) throw new TypeError(`unknown algorithm ${JSON.stringify(algorithm)}; use one of ${ALGORITHMS.join(', ')}`);
    const size = await inputSize(path); // a missing or unreadable file fails here, in one line naming it
    const hash = createHash(algorithm);
    let done = 0;
    let reported = 0;
    for await (const chunk of createReadStream(path, { signal: this.signal })) {
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      // Progress about every 5 %: enough for a bar, not a write per chunk.
      if (done - reported >= size / 20) {
        reported = done;
        await this.progress(done, size);
      }
    }
    return hash.digest('hex');
  },
);

const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
const FORMATS = ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const;
/** The extensions sharp reads (the batch dialog suggests the image tasks for these). */
const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'avif', 'tif', 'tiff', 'gif', 'svg', 'heic', 'heif'];

/** sharp loads on first use: a worker that never touches an image never pays for libvips. */
async function sharpOf(input: string) {
  const { default: sharp } = await import('sharp');
  return sharp(input, { failOn: 'error' });
}

/** What an image task returns: enough for the batch view to show the output. */
interface ImageResult {
  output: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
}

/** sharp's words for a file that is not an image, with the file's name put in front. */
function unreadable(input: string, err: unknown): Error {
  return new Error(`cannot read ${input} as an image: ${(err as Error).message}`);
}

async function writeImage(input: string, output: string, build: (img: Awaited<ReturnType<typeof sharpOf>>) => Awaited<ReturnType<typeof sharpOf>>): Promise<ImageResult> {
  await inputSize(input);
  await prepareOutput(input, output);
  const img = await sharpOf(input);
  try {
    await img.metadata(); // a corrupt or non-image file fails here, before anything is written
  } catch (err) {
    throw unreadable(input, err);
  }
  let info;
  try {
    info = await build(img).toFile(output);
  } catch (err) {
    throw unreadable(input, err);
  }
  return { output, width: info.width, height: info.height, format: info.format, bytes: info.size };
}

/** Resizes an image; the output's format follows its extension. */
export const resizeImage = app.task(
  'resize_image',
  {
    params: [
      { name: 'input', type: 'file', accept: IMAGE_EXTENSIONS, help: 'The image to resize (JPEG, PNG, WebP, AVIF, TIFF, GIF, SVG)' },
      { name: 'output', type: 'output', help: 'Where to write it; the format follows the extension' },
      { name: 'size', type: 'json', default: [300, 300], help: '[width, height] in pixels, or one number for a square' },
      { name: 'options', type: 'json', default: { fit: 'cover' }, help: `{"fit": ${FITS.map((f) => `"${f}"`).join(' | ')}}` },
    ],
  },
  async function (input: string, output: string, size: [number, number] | number = [300, 300], options: { fit?: (typeof FITS)[number] } = {}) {
    const [width, height] = typeof size === 'number' ? [size, size] : size;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width! < 1 || height! < 1) throw new TypeError(`size must be [width, height] in whole pixels, not ${JSON.stringify(size)}`);
    const fit = options.fit ?? 'cover';
    if (!FITS.includes(fit)) throw new TypeError(`fit must be one of ${FITS.join(', ')}, not ${JSON.stringify(fit)}`);
    return writeImage(input, output, (img) => img.rotate().resize(width, height, { fit }));
  },
);

/** Converts an image to another format. */
export const convertImage = app.task(
  'convert_image',
  {
    params: [
      { name: 'input', type: 'file', accept: IMAGE_EXTENSIONS, help: 'The image to convert' },
      { name: 'output', type: 'output', help: 'Where to write it' },
      { name: 'format', type: 'string', enum: [...FORMATS], default: 'webp' },
      { name: 'options', type: 'json', default: { quality: 80 }, help: '{"quality": 1-100} for JPEG, WebP and AVIF' },
    ],
  },
  async function (input: string, output: string, format: (typeof FORMATS)[number] = 'webp', options: { quality?: number } = {}) {
    if (!FORMATS.includes(format)) throw new TypeError(`format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
    const quality = options.quality ?? 80;
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new TypeError(`quality must be a whole number from 1 to 100, not ${JSON.stringify(quality)}`);
    return writeImage(input, output, (img) => img.rotate().toFormat(format, { quality }));
  },
);

/** Compresses a file with gzip or brotli, reporting progress as it streams. */
export const compress = app.task(
  'compress',
  {
    params: [
      { name: 'input', type: 'file', help: 'The file to compress' },
      { name: 'output', type: 'output', help: 'Where to write it, e.g. {name}.{ext}.gz' },
      { name: 'method', type: 'string', enum: ['gzip', 'brotli'], default: 'gzip' },
    ],
  },
  async function (input: string, output: string, method: 'gzip' | 'brotli' = 'gzip') {
    if (method !== 'gzip' && method !== 'brotli') throw new TypeError(`method must be gzip or brotli, not ${JSON.stringify(method)}`);
    const size = await inputSize(input);
    await prepareOutput(input, output);
    const transform = method === 'gzip' ? createGzip({ level: 6 }) : createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: size } });
    const bytes = await streamWithProgress(this, input, output, transform, size);
    return { output, method, bytes, ratio: size === 0 ? 1 : Math.round((bytes / size) * 1000) / 1000 };
  },
);
