import { type ArtworkSpec, artworkSize, renderArtwork } from './art.ts';
import {
  ACCESSORY_SIZE,
  type AccessorySpec,
  BOOK_SIZE,
  type BookSpec,
  renderAccessory,
  renderBook,
  renderWatch,
  type WatchSpec,
  watchSize,
} from './illustrations.ts';

/**
 * Everything needed to draw one product picture. Specs are small, so the seed
 * can plan tens of thousands of images and render each one only when writing
 * its file.
 */
export type ImageSpec = ArtworkSpec | BookSpec | WatchSpec | AccessorySpec;

/** Intrinsic size of the picture, as stored in product_images.width/height. */
export function imageSize(spec: ImageSpec): { width: number; height: number } {
  switch (spec.kind) {
    case 'artwork':
      return artworkSize(spec);
    case 'book':
      return { ...BOOK_SIZE };
    case 'watch':
      return watchSize(spec.view);
    case 'accessory':
      return { ...ACCESSORY_SIZE };
  }
}

/** The SVG document of a picture; the same spec always gives the same bytes. */
export function renderImage(spec: ImageSpec): string {
  switch (spec.kind) {
    case 'artwork':
      return renderArtwork(spec);
    case 'book':
      return renderBook(spec);
    case 'watch':
      return renderWatch(spec);
    case 'accessory':
      return renderAccessory(spec);
  }
}
