/*
 * What a deploy of the static build does to the bucket and the distribution,
 * from the build's dist/deploy.json (see build.ts). The deploy workflow
 * (.github/workflows/storefront.yml) runs the AWS CLI on what this prints:
 *
 *   upload [--phase assets|pages]   NUL-separated triples: key, Cache-Control, Content-Type
 *                                   (for `xargs -0 -n 3`); assets first, so that no
 *                                   new page links a file that is not there yet
 *   remove                          one `s3api delete-objects --delete` document per line,
 *                                   at most 1000 keys each
 *   invalidation --caller-reference REF
 *                                   one `cloudfront create-invalidation --invalidation-batch`
 *                                   document, or nothing when no path changed
 *
 *   --deploy FILE   the build's deploy.json (default dist/deploy.json)
 *
 * Cache-Control and Content-Type come from the edge's own rules
 * (@vitrine/edge/static-origin), so S3 answers as the local edge does.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONTENT_TYPES, cacheControlFor } from '@vitrine/edge/static-origin';

/** dist/deploy.json as build.ts writes it. */
export interface DeployManifest {
  cursor: string;
  upload: string[];
  remove: string[];
  invalidate: string[];
}

export interface Upload {
  key: string;
  cacheControl: string;
  contentType: string;
}

/** CloudFront bills invalidation paths beyond 1000 a month; past that one `/*` is cheaper. */
export const MAX_INVALIDATION_PATHS = 1000;
/** S3 DeleteObjects takes at most 1000 keys per request. */
export const DELETE_BATCH = 1000;

const isPage = (key: string) => key.endsWith('.html');

/** The objects to put, with their metadata: assets before pages. */
export function uploads(manifest: DeployManifest, phase?: 'assets' | 'pages'): Upload[] {
  return manifest.upload
    .filter((key) => phase === undefined || isPage(key) === (phase === 'pages'))
    .sort((a, b) => Number(isPage(a)) - Number(isPage(b)) || a.localeCompare(b))
    .map((key) => ({
      key,
      cacheControl: cacheControlFor(key),
      contentType: CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream',
    }));
}

/**
 * Keys to delete, in DeleteObjects batches. Content-hashed `_astro/` files are
 * kept: pages still cached at the edge or in browsers, and origin tasks of the
 * previous release during a rollout, may link them (a few KB each per build).
 */
export function removals(manifest: DeployManifest): string[][] {
  const keys = manifest.remove.filter((key) => !key.startsWith('_astro/'));
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH));
  return batches;
}

/** The invalidation for the changed paths, or null when there is none; `/*` past the limit. */
export function invalidationBatch(
  paths: readonly string[],
  callerReference: string,
  limit = MAX_INVALIDATION_PATHS,
): { Paths: { Quantity: number; Items: string[] }; CallerReference: string } | null {
  if (paths.length === 0) return null;
  const items = paths.length > limit ? ['/*'] : paths.map((p) => encodeURI(p));
  return { Paths: { Quantity: items.length, Items: items }, CallerReference: callerReference };
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      deploy: {
        type: 'string',
        default: resolve(import.meta.dirname, '..', 'dist', 'deploy.json'),
      },
      phase: { type: 'string' },
      'caller-reference': { type: 'string' },
    },
  });
  const manifest = JSON.parse(readFileSync(values.deploy, 'utf8')) as DeployManifest;
  const command = positionals[0];
  if (command === 'upload') {
    const phase = values.phase;
    if (phase !== undefined && phase !== 'assets' && phase !== 'pages')
      throw new Error(`--phase must be assets or pages, got "${phase}"`);
    for (const u of uploads(manifest, phase))
      process.stdout.write(`${u.key}\0${u.cacheControl}\0${u.contentType}\0`);
  } else if (command === 'remove') {
    for (const batch of removals(manifest))
      process.stdout.write(
        `${JSON.stringify({ Objects: batch.map((Key) => ({ Key })), Quiet: true })}\n`,
      );
  } else if (command === 'invalidation') {
    const reference = values['caller-reference'];
    if (!reference) throw new Error('invalidation needs --caller-reference (unique per deploy)');
    const batch = invalidationBatch(manifest.invalidate, reference);
    if (batch) process.stdout.write(`${JSON.stringify(batch)}\n`);
  } else {
    process.stderr.write(
      'usage: upload-plan.ts upload [--phase assets|pages] | remove | invalidation --caller-reference REF [--deploy FILE]\n',
    );
    process.exit(2);
  }
}

if (import.meta.main) main();
