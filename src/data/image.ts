// Image files in, network-input pixels out, with sharp (libvips): JPEG, PNG and WebP; the EXIF orientation
// applied; grayscale, CMYK and alpha images made 3-channel sRGB. Decoding, resizing and cropping run on
// libvips' own threads (sharp's work is asynchronous), so the JavaScript thread only normalises the pixels.
import type { Sharp } from 'sharp';
import { IMAGENET_MEAN, IMAGENET_STD } from '../semantics/defaults.js';
import { NotARegularFileError, readRegularFile } from '../util/regular-file.js';
import type { Placement } from './augment.js';
import { ImageError } from './errors.js';
// Defined apart so the CLI's error taxonomy can load it without sharp's wrapper; its users import it from here.
export { ImageError };

type SharpFactory = typeof import('sharp').default;
let sharpModule: SharpFactory | undefined;

/** sharp, imported on first use (it is a heavy native module; commands that need no images never load it). */
export async function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= (await import('sharp')).default;
  return sharpModule;
}


/** A decoded image: height × width × 3 bytes, RGB. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * The largest image file read (512 MiB). libvips would take larger ones, but no photograph of a detection dataset
 * is near this; a file that big is a mistake (a video, a disk image) better refused than read into memory.
 */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/**
 * An image file's bytes. Only a regular file is read: a FIFO, a device or a directory named as an image is
 * refused at once (libvips would wait on a FIFO for ever), as the language's imports are.
 */
async function readImageFile(file: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, MAX_IMAGE_BYTES);
  } catch (error) {
    if (error instanceof NotARegularFileError) throw new ImageError(file, error.kind === 'missing' ? 'image file not found' : error.reason);
    throw error;
  }
}

/** The decoding pipeline every reader shares: fail on truncated files, apply the EXIF orientation, make RGB. */
async function openRgb(bytes: Buffer): Promise<Sharp> {
  const sharp = await loadSharp();
  // failOn 'truncated': a cut-off JPEG or PNG is an error, not a silently grey bottom half.
  return sharp(bytes, { failOn: 'truncated' }).autoOrient().removeAlpha().toColourspace('srgb');
}

/**
 * Runs `work` on the image file's bytes; an image that cannot be read or decoded becomes an ImageError naming it
 * (errors of the file system itself, EIO and the like, pass through as they are).
 */
async function withImage<T>(file: string, work: (bytes: Buffer) => Promise<T>): Promise<T> {
  const bytes = await readImageFile(file);
  try {
    return await work(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // libvips keeps one error buffer for all threads, so while other images decode, a failure's message can come
    // back empty ("Unknown error"). Truncation, the common case, is recognised from the bytes instead.
    const truncated = truncation(bytes);
    // libvips was handed the file's bytes; to the user it is the file that holds them.
    throw new ImageError(file, `cannot decode image: ${truncated ?? message.split('\n')[0]!.replace(/^Input buffer/, 'Input file')}`);
  }
}

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from('IEND');
/** How many bytes at the end of a file are searched for its end marker (JPEG allows padding after EOI). */
const TAIL_BYTES = 64;

/** "truncated JPEG …" / "truncated PNG …" when the file lacks its format's end marker; undefined otherwise. */
function truncation(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, PNG_SIGNATURE.length);
  const end = bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES));
  // JPEG: starts with SOI and ends with EOI, possibly followed by a few padding bytes.
  if (head.subarray(0, 2).equals(JPEG_SOI) && !end.includes(JPEG_EOI)) {
    return 'truncated JPEG (the file ends before its end-of-image marker)';
  }
  // PNG: the signature, and an IEND chunk as the last one.
  if (head.equals(PNG_SIGNATURE) && !end.includes(PNG_IEND)) {
    return 'truncated PNG (the file ends before its IEND chunk)';
  }
  return undefined;
}

/** Decodes a whole image to RGB bytes (EXIF orientation applied). */
export async function decodeImage(file: string): Promise<RgbImage> {
  return withImage(file, async (bytes) => {
    const { data, info } = await (await openRgb(bytes)).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  });
}

/** The image re-encoded as PNG bytes, as decodeImage sees it (EXIF orientation applied, RGB), in one libvips pipeline. */
export async function imagePng(file: string): Promise<Uint8Array> {
  return withImage(file, async (bytes) => (await openRgb(bytes)).png().toBuffer());
}

/** Only the header: the displayed (EXIF-oriented) size, without decoding the pixels. */
export async function imageSize(file: string): Promise<{ width: number; height: number; format: string }> {
  const sharp = await loadSharp();
  return withImage(file, async (bytes) => {
    const meta = await sharp(bytes).metadata();
    const swap = (meta.orientation ?? 1) >= 5; // EXIF orientations 5–8 turn the image by 90°
    return { width: swap ? meta.height! : meta.width!, height: swap ? meta.width! : meta.height!, format: meta.format ?? 'unknown' };
  });
}

/** Per channel, byte value → normalised float: (v / 255 − mean) / std ([TPU] `input_utils.normalize_image`). */
const NORMALISE: readonly Float32Array[] = [0, 1, 2].map((c) => {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  return lut;
});

/**
 * Decodes `file`, resizes it bilinearly to the placement's resized size, crops the visible part, flips it if
 * asked, and writes it normalised into `out` (an S × S × 3 slice at `offset`, S = `size`). Padding (bottom and
 * right) is left as it is: the caller hands a zeroed buffer, and 0 is the padding value after normalisation.
 */
export async function placePixels(file: string, placement: Placement, size: number, out: Float32Array, offset: number): Promise<void> {
  const { resizedWidth, resizedHeight, visibleWidth: vw, visibleHeight: vh, cropY, flip } = placement;
  // The crop of the flipped image at cropX is the mirror of the unflipped image's crop at the other end.
  const left = flip ? resizedWidth - placement.cropX - vw : placement.cropX;
  const pixels = await withImage(file, async (bytes) => {
    let pipeline = await openRgb(bytes);
    // kernel 'linear': bilinear, as [TPU] tf.image.resize_images (libvips antialiases when it shrinks a lot).
    pipeline = pipeline.resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'linear' });
    if (left !== 0 || cropY !== 0 || vw !== resizedWidth || vh !== resizedHeight) {
      pipeline = pipeline.extract({ left, top: cropY, width: vw, height: vh });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== vw || info.height !== vh) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${vw}×${vh}×3`);
    }
    return data;
  });
  normaliseInto(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length), vw, vh, flip, size, out, offset);
}

/** Writes vw × vh RGB bytes (mirrored if `flip`) into rows of an S × S × 3 float image at `offset`, normalised. */
function normaliseInto(pixels: Uint8Array, vw: number, vh: number, flip: boolean, size: number, out: Float32Array, offset: number): void {
  const [r, g, b] = NORMALISE as [Float32Array, Float32Array, Float32Array];
  // Plain typed arrays and a branch-free inner loop: this loop is the JavaScript thread's whole share of a batch.
  const step = flip ? -3 : 3;
  for (let y = 0; y < vh; y++) {
    let o = offset + y * size * 3;
    let s = y * vw * 3 + (flip ? (vw - 1) * 3 : 0);
    for (let x = 0; x < vw; x++, o += 3, s += step) {
      out[o] = r[pixels[s]!]!;
      out[o + 1] = g[pixels[s + 1]!]!;
      out[o + 2] = b[pixels[s + 2]!]!;
    }
  }
}
