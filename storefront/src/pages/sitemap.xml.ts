import type { APIRoute } from 'astro';
import { sitemapEntries, sitemapXml } from '../features/catalog/seo.ts';
import { currentCatalog } from '../features/shop/current.ts';

export const prerender = true;

export const GET: APIRoute = ({ site }) =>
  new Response(
    sitemapXml(sitemapEntries(currentCatalog()), site ?? new URL('http://localhost:8080')),
    { headers: { 'content-type': 'application/xml; charset=utf-8' } },
  );
