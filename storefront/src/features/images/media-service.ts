import type { ExternalImageService, ImageTransform } from 'astro';

/*
 * Astro's image pipeline for the shop's media. Product images live with the
 * origin (/media/… locally, the media bucket in production) and are already
 * stored at the widths a page needs: an artist's upload is kept as its
 * original plus WebP copies 480, 960 and 1600 px wide (origin
 * studio.images.ts), and the export lists them as the image's `variants`;
 * seeded pictures are SVGs, one URL at any size. So the service only chooses
 * URLs: no image is fetched or re-encoded at build time, which keeps a
 * 10,000-product build fast.
 *
 * Pass `variants` to <Image> with the export's image; `width` and `height`
 * are the original's, so the browser reserves the right box before it loads.
 */

/** A stored, resized copy of an image. */
export interface MediaVariant {
  url: string;
  /** Its width in pixels (the `w` descriptor of `srcset`). */
  width: number;
}

declare global {
  namespace Astro {
    interface CustomImageProps {
      /** Stored resized copies of `src` (the export's `image.variants`). */
      variants?: readonly MediaVariant[] | undefined;
    }
  }
}

/** Options the service consumes; none of them may reach the <img> element. */
const CONSUMED = new Set([
  'src',
  'width',
  'height',
  'format',
  'quality',
  'densities',
  'widths',
  'formats',
  'layout',
  'priority',
  'fit',
  'position',
  'background',
  'variants',
]);

const srcOf = (options: ImageTransform) =>
  typeof options.src === 'string' ? options.src : options.src.src;

/** The variants worth listing: narrower than the original (a copy is never wider), narrowest first. */
function usableVariants(options: ImageTransform): MediaVariant[] {
  const width = options.width ?? Number.POSITIVE_INFINITY;
  return [...(options.variants ?? [])]
    .filter((v) => v.width < width)
    .sort((a, b) => a.width - b.width);
}

const service: ExternalImageService = {
  validateOptions(options) {
    if (!options.width || !options.height) {
      throw new Error(
        `media image ${srcOf(options)}: width and height are required, so the page does not shift while it loads`,
      );
    }
    return options;
  },

  getURL(options) {
    return srcOf(options);
  },

  getSrcSet(options) {
    const variants = usableVariants(options);
    const { width, height } = options;
    if (variants.length === 0 || !width || !height) return [];
    return [
      ...variants.map((v) => ({
        transform: {
          ...options,
          src: v.url,
          width: v.width,
          height: Math.round((v.width * height) / width),
        },
        descriptor: `${v.width}w`,
      })),
      { transform: options, descriptor: `${width}w` },
    ];
  },

  getHTMLAttributes(options) {
    const attributes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if (!CONSUMED.has(key) && value !== undefined) attributes[key] = value;
    }
    // `sizes` only means something beside a `srcset`; a vector has none.
    if (usableVariants(options).length === 0) delete attributes.sizes;
    return {
      ...attributes,
      width: options.width,
      height: options.height,
      loading: options.loading ?? 'lazy',
      decoding: options.decoding ?? 'async',
    };
  },
};

export default service;
