import type { APIRoute } from 'astro';
import { branding } from '../features/shop/current.ts';

/*
 * The brand's colours as a stylesheet file: an inline style would need
 * 'unsafe-inline' in the pages' CSP.
 */
export const prerender = true;

export const GET: APIRoute = () =>
  new Response(`:root{--accent:${branding.accent};}\n`, {
    headers: { 'content-type': 'text/css; charset=utf-8' },
  });
