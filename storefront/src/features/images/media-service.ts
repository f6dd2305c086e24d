import type { ExternalImageService, ImageTransform } from 'astro';

/*
 * Astro's image pipeline for the shop's media. Product images live with the
 * origin (/media/… locally, the media bucket in production) and are already
 * stored at the widths a page needs, so the service only chooses URLs: no
 * image is fetched or re-encoded at build time, which keeps a 10,000-product
 * build fast.
 */
const service: ExternalImageService = {
  getURL(options: ImageTransform) {
    return typeof options.src === 'string' ? options.src : options.src.src;
  },
};

export default service;
