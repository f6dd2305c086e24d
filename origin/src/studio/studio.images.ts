import sharp, { type Metadata, type Sharp } from 'sharp';
import { AppError } from '../platform/errors.ts';

/** Limits on uploaded images; config.ts supplies them (IMAGE_MAX_BYTES and friends). */
export interface ImageLimits {
  /** Largest accepted upload, in bytes; larger bodies get 413 IMAGE_TOO_LARGE. Default 10 MiB. */
  maxBytes: number;
  /** Longest accepted side, in pixels; longer gets 422 IMAGE_TOO_LARGE_DIMENSIONS. Default 12000. */
  maxDimension: number;
  /**
   * Most pixels (width × height) accepted, checked from the header before
   * any decoding, against decompression bombs (a few KB of PNG can claim
   * gigapixels). Default 50 million (~150 MB decoded as RGB).
   */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxDimension: 12_000,
  maxPixels: 50_000_000,
});

/** Widths of the WebP variants made for responsive images; none wider than the original. */
export const VARIANT_WIDTHS = [480, 960, 1600] as const;

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif';

const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};
const EXTENSIONS: Record<ImageFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
};

/** One encoded picture, ready to store. */
export interface EncodedImage {
  /** File name within the upload's folder: `original.jpg`, `w960.webp`. */
  name: string;
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
}

export interface ProcessedImage {
  format: ImageFormat;
  /** The upload re-encoded in its own format: oriented upright, metadata (EXIF, GPS, XMP) dropped. */
  original: EncodedImage;
  /** WebP copies at VARIANT_WIDTHS narrower than the original, narrowest first. */
  variants: EncodedImage[];
}

const unsupported = (message: string, detected: string) =>
  new AppError('UNSUPPORTED_IMAGE_TYPE', message, { status: 415, details: { detected } });

const ACCEPTED = 'Upload a JPEG, PNG, WebP or AVIF image.';

/**
 * The format the leading bytes announce, or why they are refused. Only the
 * four raster formats pass; everything else (text, SVG, GIF, HEIC, PDF…) is
 * refused here, before a decoder ever sees it. SVG is refused because it is
 * a document that can carry script, not a picture.
 */
export function sniffFormat(bytes: Buffer): ImageFormat {
  const ascii = (from: number, to: number) => bytes.subarray(from, to).toString('latin1');
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'png';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 16 && ascii(4, 8) === 'ftyp') {
    // ISO-BMFF: the major brand, then compatible brands up to the box size.
    const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length, 256);
    const brands = [ascii(8, 12)];
    for (let i = 16; i + 4 <= boxEnd; i += 4) brands.push(ascii(i, i + 4));
    if (brands.includes('avif') || brands.includes('avis')) return 'avif';
    throw unsupported(`This is a HEIF/MP4-family file but not AVIF. ${ACCEPTED}`, 'heif');
  }
  const head = bytes
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<')) {
    throw unsupported(
      `SVG and other XML documents are not accepted because they can carry script. ${ACCEPTED}`,
      head.includes('<svg') ? 'svg' : 'xml',
    );
  }
  if (ascii(0, 4) === 'GIF8') throw unsupported(`GIF is not accepted. ${ACCEPTED}`, 'gif');
  throw unsupported(
    `The file is not an image this shop accepts, whatever its name says. ${ACCEPTED}`,
    'unknown',
  );
}

/** Reads the header with sharp (no pixel decoding) and checks it against the sniffed format and the limits. */
async function inspect(bytes: Buffer, sniffed: ImageFormat, limits: ImageLimits) {
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new AppError(
      'IMAGE_UNREADABLE',
      'The image could not be read; it may be damaged. Export it again and retry.',
      {
        status: 422,
        cause: err,
      },
    );
  }
  const decoded: string =
    metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  if (decoded !== sniffed && !(sniffed === 'jpeg' && decoded === 'jpg')) {
    throw unsupported(
      `The file's content does not match a single image format. ${ACCEPTED}`,
      decoded,
    );
  }
  const { width, height } = metadata;
  if (!width || !height)
    throw new AppError(
      'IMAGE_UNREADABLE',
      'The image has no dimensions; export it again and retry.',
      { status: 422 },
    );
  if (
    width > limits.maxDimension ||
    height > limits.maxDimension ||
    width * height > limits.maxPixels
  ) {
    throw new AppError(
      'IMAGE_TOO_LARGE_DIMENSIONS',
      `The image is ${width} × ${height} px; the limit is ${limits.maxDimension} px a side and ${(limits.maxPixels / 1e6).toFixed(0)} megapixels. Scale it down and retry.`,
      {
        status: 422,
        details: { width, height, maxDimension: limits.maxDimension, maxPixels: limits.maxPixels },
      },
    );
  }
  return metadata;
}

function encodeOriginal(pipeline: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: 90 });
    case 'png':
      return pipeline.png({ compressionLevel: 9 });
    case 'webp':
      return pipeline.webp({ quality: 90 });
    case 'avif':
      // AVIF encoding is slow; effort 4 keeps an upload within seconds on a small task.
      return pipeline.avif({ quality: 60, effort: 4 });
  }
}

async function encode(pipeline: Sharp, name: string, contentType: string): Promise<EncodedImage> {
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { name, bytes: data, contentType, width: info.width, height: info.height };
}

/**
 * Checks an upload by its bytes (never by its declared type or name) and
 * re-encodes it: the original in its own format plus WebP variants. sharp
 * drops EXIF and other metadata on output unless asked to keep it, so GPS
 * positions in a phone photo do not reach the shop.
 *
 * @throws AppError UNSUPPORTED_IMAGE_TYPE (415), IMAGE_TOO_LARGE_DIMENSIONS
 *   (422), IMAGE_UNREADABLE (422).
 */
export async function processImage(bytes: Buffer, limits: ImageLimits): Promise<ProcessedImage> {
  const format = sniffFormat(bytes);
  await inspect(bytes, format, limits);
  // failOn 'error': refuse corrupt or truncated pixel data, tolerate harmless warnings.
  const source = sharp(bytes, {
    limitInputPixels: limits.maxPixels,
    failOn: 'error',
    autoOrient: true,
  });
  try {
    const original = await encode(
      encodeOriginal(source.clone(), format),
      `original.${EXTENSIONS[format]}`,
      CONTENT_TYPES[format],
    );
    const variants: EncodedImage[] = [];
    for (const width of VARIANT_WIDTHS) {
      if (width >= original.width) break;
      variants.push(
        await encode(
          source.clone().resize({ width }).webp({ quality: 80 }),
          `w${width}.webp`,
          'image/webp',
        ),
      );
    }
    return { format, original, variants };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'IMAGE_UNREADABLE',
      'The image could not be decoded; it may be damaged or truncated. Export it again and retry.',
      {
        status: 422,
        cause: err,
      },
    );
  }
}
