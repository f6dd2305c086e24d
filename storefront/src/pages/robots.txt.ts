import type { APIRoute } from 'astro';
import { robotsTxt } from '../features/catalog/seo.ts';

export const prerender = true;

export const GET: APIRoute = ({ site }) =>
  new Response(robotsTxt(site ?? new URL('http://localhost:8080')), {
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
