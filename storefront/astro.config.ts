import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import node from '@astrojs/node';
import { ExportShop } from '@vitrine/origin/publishing';
import { defineConfig } from 'astro/config';
import { brandingOf } from './src/features/shop/shop.ts';
import { PAGE_BODY_LIMIT_BYTES } from './src/features/workspace/limits.ts';

/*
 * The storefront's environment is read here and only here (STYLE.md):
 *   PUBLIC_BASE_URL  the shop's public address (canonical URLs, Open Graph, sitemap)
 *   CATALOG_FILE     the catalogue export the static pages are built from
 *   SHOP_NAME, SHOP_TAGLINE, SHOP_ACCENT  branding over the shop kind's defaults
 * and handed to the code as one build constant, __VITRINE_BUILD__, so the
 * pages the origin renders later carry the same branding as the static ones.
 *
 * The catalogue is pre-rendered (static output, trailing slashes, one
 * directory per page: S3 behind CloudFront serves `<path>/index.html`); pages
 * with `prerender = false` are rendered by the origin through the Node adapter
 * in middleware mode. Stylesheets and scripts are always files, never inline,
 * so the pages' CSP needs no 'unsafe-inline'.
 */
const catalogFile = resolve(
  import.meta.dirname,
  process.env.CATALOG_FILE || '.data/catalog.ndjson',
);

function shopRecord() {
  if (!existsSync(catalogFile)) {
    // `astro sync` and type checks run without an export; a build will fail on the first page.
    return ExportShop.parse({
      type: 'shop',
      formatVersion: 1,
      kind: null,
      name: 'Vitrine',
      currency: 'EUR',
      makerNoun: 'maker',
      attributeKeys: [],
    });
  }
  const first = readFileSync(catalogFile, 'utf8').split('\n', 1)[0] ?? '';
  return ExportShop.parse(JSON.parse(first));
}

const branding = brandingOf(shopRecord(), {
  name: process.env.SHOP_NAME,
  tagline: process.env.SHOP_TAGLINE,
  accent: process.env.SHOP_ACCENT,
});

export default defineConfig({
  site: process.env.PUBLIC_BASE_URL || 'http://localhost:8080',
  output: 'static',
  adapter: node({ mode: 'middleware', bodySizeLimit: PAGE_BODY_LIMIT_BYTES }),
  trailingSlash: 'always',
  build: { format: 'directory', inlineStylesheets: 'never' },
  compressHTML: true,
  image: { service: { entrypoint: './src/features/images/media-service.ts' } },
  vite: {
    build: { assetsInlineLimit: 0 },
    define: { __VITRINE_BUILD__: JSON.stringify({ catalogFile, branding }) },
  },
});
