import type { Migration } from '../migrator.ts';

/*
 * Resized copies of uploaded product images (the studio's upload makes WebP
 * variants at a few widths for srcset). They live with their image row as a
 * JSON array of {key, width, height, contentType}, narrowest first: they are
 * always read, written and deleted together with the row, and never queried
 * on their own. Seeded SVG pictures have none.
 */
const UP = /* sql */ `
ALTER TABLE product_images
  ADD COLUMN variants jsonb NOT NULL DEFAULT '[]'
  CONSTRAINT product_images_variants_array CHECK (jsonb_typeof(variants) = 'array');
`;

export const studioImageVariants: Migration = {
  name: '0005-studio-image-variants',
  async up({ context: db }) {
    await db.transaction((transaction) => db.query(UP, { transaction }));
  },
  async down({ context: db }) {
    await db.transaction((transaction) =>
      db.query('ALTER TABLE product_images DROP COLUMN IF EXISTS variants;', { transaction }),
    );
  },
};
