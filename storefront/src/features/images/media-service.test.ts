import assert from 'node:assert/strict';
import type { ImageTransform } from 'astro';
import service from './media-service.ts';

// Astro hands the service its image config; this service reads none of it.
const config = {} as Parameters<typeof service.getURL>[1];
const logger = {} as Parameters<typeof service.getURL>[2];

const upload: ImageTransform = {
  src: '/media/works/7/ab12/original.jpg',
  width: 3000,
  height: 2000,
  alt: 'A harbour at dusk',
  variants: [
    { url: '/media/works/7/ab12/w1600.webp', width: 1600 },
    { url: '/media/works/7/ab12/w480.webp', width: 480 },
    { url: '/media/works/7/ab12/w960.webp', width: 960 },
  ],
  sizes: '(min-width: 60rem) 38rem, 100vw',
  loading: 'lazy',
};

/** The `srcset` Astro would write: each transform's URL from getURL, with its descriptor. */
async function srcsetOf(options: ImageTransform): Promise<string> {
  const values = (await service.getSrcSet?.(options, config, logger)) ?? [];
  const urls = await Promise.all(
    values.map(async (v) => `${await service.getURL(v.transform, config, logger)} ${v.descriptor}`),
  );
  return urls.join(', ');
}

describe('media image service', () => {
  it('when an upload has stored WebP variants, then srcset lists them narrowest first and the original at its width', async () => {
    assert.equal(
      await srcsetOf(upload),
      '/media/works/7/ab12/w480.webp 480w, /media/works/7/ab12/w960.webp 960w, /media/works/7/ab12/w1600.webp 1600w, /media/works/7/ab12/original.jpg 3000w',
    );
    assert.equal(await service.getURL(upload, config, logger), '/media/works/7/ab12/original.jpg');
  });

  it('when a variant is not narrower than the original, then it is left out', async () => {
    assert.equal(
      await srcsetOf({ ...upload, width: 960, height: 640 }),
      '/media/works/7/ab12/w480.webp 480w, /media/works/7/ab12/original.jpg 960w',
    );
  });

  it('when the image is a vector (no variants), then there is one URL, no srcset and no sizes', async () => {
    const svg: ImageTransform = {
      src: '/media/products/blue-hour-1.svg',
      width: 988,
      height: 1200,
      alt: 'Blue hour',
      sizes: '100vw',
    };
    assert.equal(await srcsetOf(svg), '');
    const attributes = await service.getHTMLAttributes?.(svg, config, logger);
    assert.deepEqual(attributes, {
      alt: 'Blue hour',
      width: 988,
      height: 1200,
      loading: 'lazy',
      decoding: 'async',
    });
  });

  it('when attributes are written, then width and height are the original’s, service options never reach the element, and a priority image keeps its eager loading', async () => {
    const attributes = await service.getHTMLAttributes?.(
      { ...upload, loading: 'eager', decoding: 'sync', fetchpriority: 'high' },
      config,
      logger,
    );
    assert.deepEqual(attributes, {
      alt: 'A harbour at dusk',
      sizes: '(min-width: 60rem) 38rem, 100vw',
      loading: 'eager',
      decoding: 'sync',
      fetchpriority: 'high',
      width: 3000,
      height: 2000,
    });
  });

  it('when width or height is missing, then the image is refused with a reason', async () => {
    await assert.rejects(
      async () => service.validateOptions?.({ src: '/media/x.svg', width: 10 }, config, logger),
      /width and height are required/,
    );
  });
});
