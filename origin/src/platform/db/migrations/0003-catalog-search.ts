import type { Migration } from '../migrator.ts';

/*
 * Catalogue text search (GET /api/v1/products?q=).
 *
 * The product's words are stored in a generated column rather than indexed
 * as an expression: a GIN prefix search rechecks its candidate rows, and
 * recomputing to_tsvector over every candidate's description costs hundreds
 * of milliseconds on a large catalogue, while reading the stored vector costs
 * next to nothing. PostgreSQL keeps the column in step with title and
 * description by itself; nothing may write it.
 *
 * The `simple` configuration lowercases without stemming or stop words, so it
 * suits every shop language and every typed word (prefix queries: `noct`
 * finds "Nocturne"). Artist names are matched through their own small index.
 * Both expressions must stay identical to those in catalog.repository.ts.
 */
const UP = /* sql */ `
ALTER TABLE products ADD COLUMN search_document tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_document) WHERE status = 'published';
CREATE INDEX artists_search_idx ON artists USING gin (to_tsvector('simple', name));
`;

const DOWN = /* sql */ `
DROP INDEX IF EXISTS artists_search_idx;
DROP INDEX IF EXISTS products_search_idx;
ALTER TABLE products DROP COLUMN IF EXISTS search_document;
`;

export const catalogSearch: Migration = {
  name: '0003-catalog-search',
  async up({ context: db }) {
    await db.transaction((transaction) => db.query(UP, { transaction }));
  },
  async down({ context: db }) {
    await db.transaction((transaction) => db.query(DOWN, { transaction }));
  },
};
