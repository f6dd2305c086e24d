import type { ErrorPage } from '@vitrine/edge/description';

export interface ErrorPageHandlerOptions {
  /** The site bucket holding the pages (its name, not a token: Lambda@Edge has no environment). */
  readonly bucketName: string;
  readonly bucketRegion: string;
  /** The behaviour's mapping from the description. */
  readonly errorPages: readonly ErrorPage[];
}

/**
 * The origin-response Lambda@Edge of the static behaviours: when S3 answers a
 * mapped status (403 for a missing key behind OAC, or 404), it answers the
 * mapped page and status instead, cached for the mapping's TTL.
 *
 * Why a function and not CloudFront's custom error responses: those apply to
 * the whole distribution, so mapping 403/404 there would replace the API's
 * own JSON errors (401/403/404 with a code) with the HTML page. Attached only
 * to the static behaviours, this leaves every app response untouched. It runs
 * only on cache misses that reach S3, and the page is kept in memory for its TTL.
 */
export function errorPageHandler(options: ErrorPageHandlerOptions): string {
  const mappings = JSON.stringify(options.errorPages);
  return `'use strict';
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { STATUS_CODES } = require('node:http');
const BUCKET = ${JSON.stringify(options.bucketName)};
const MAPPINGS = ${mappings};
const s3 = new S3Client({ region: ${JSON.stringify(options.bucketRegion)} });
const pages = new Map();
const FALLBACK = '<!doctype html><meta charset="utf-8"><title>Not found</title><h1>Not found</h1><p><a href="/">Home</a></p>';

async function page(key, ttl) {
  const hit = pages.get(key);
  if (hit && hit.until > Date.now()) return hit.body;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key.replace(/^\\//, '') }));
    const body = await out.Body.transformToString('utf-8');
    pages.set(key, { body, until: Date.now() + ttl * 1000 });
    return body;
  } catch (err) {
    console.error('error page ' + key + ' unavailable: ' + err.name);
    return FALLBACK;
  }
}

exports.handler = async (event) => {
  const response = event.Records[0].cf.response;
  const mapping = MAPPINGS.find((m) => String(m.status) === String(response.status));
  if (!mapping) return response;
  const body = await page(mapping.page, mapping.ttl);
  return {
    status: String(mapping.responseStatus),
    statusDescription: STATUS_CODES[mapping.responseStatus] || 'Error',
    headers: {
      'content-type': [{ key: 'Content-Type', value: 'text/html; charset=utf-8' }],
      'cache-control': [{ key: 'Cache-Control', value: 'public, max-age=' + mapping.ttl }],
    },
    body,
  };
};
`;
}
