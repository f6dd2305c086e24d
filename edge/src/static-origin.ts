import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OBJECT_CACHE_CONTROL, patternToRegExp } from './description.ts';

/*
 * The S3 bucket as CloudFront sees it through Origin Access Control: keys are
 * the URI without its leading slash, there is no directory index, and a missing
 * key answers 403 AccessDenied (the distribution may not list the bucket).
 * Objects carry the Cache-Control the upload sets (description.ts). CloudFront
 * compresses text between 1 KB and 10 MB for viewers that accept gzip.
 */

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

const COMPRESSIBLE = /^(text\/|application\/(json|xml|javascript|manifest\+json)|image\/svg\+xml)/;
const MIN_COMPRESS = 1_000;
const MAX_CACHED = 10 * 1024 * 1024;

export interface StaticObject {
  status: 200 | 304;
  headers: Record<string, string>;
  /** Absent for 304 and HEAD. */
  body?: Buffer | { file: string };
}

interface Entry {
  mtimeMs: number;
  size: number;
  etag: string;
  gzip?: Buffer;
  raw?: Buffer;
}

export function cacheControlFor(key: string): string {
  const path = `/${key}`;
  for (const rule of OBJECT_CACHE_CONTROL) {
    if (patternToRegExp(rule.pathPattern).test(path)) return rule.cacheControl;
  }
  return 'public, max-age=0, must-revalidate';
}

export interface StaticOrigin {
  /** The object for a URI, or null when S3 would answer 403 (no such key). */
  get(
    uri: string,
    viewer: { method: string; ifNoneMatch?: string; acceptsGzip: boolean },
  ): Promise<StaticObject | null>;
}

export function createStaticOrigin(root: string): StaticOrigin {
  const base = resolve(root);
  const entries = new Map<string, Entry>();

  const locate = (uri: string): string | null => {
    let key: string;
    try {
      key = decodeURIComponent(uri.slice(1));
    } catch {
      return null;
    }
    // A key is not a path: never let `..` or NUL leave the bucket's folder.
    if (key === '' || key.includes('\0')) return null;
    const file = resolve(base, key);
    return file.startsWith(base + sep) ? file : null;
  };

  return {
    async get(uri, viewer) {
      const file = locate(uri);
      if (!file) return null;
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(file);
      } catch {
        return null;
      }
      if (!info.isFile()) return null;
      let entry = entries.get(file);
      if (!entry || entry.mtimeMs !== info.mtimeMs || entry.size !== info.size) {
        const bytes = await readFile(file);
        // S3's ETag for a single-part upload is the MD5 of the content.
        entry = {
          mtimeMs: info.mtimeMs,
          size: info.size,
          etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        };
        if (bytes.length <= MAX_CACHED) entry.raw = bytes;
        entries.set(file, entry);
      }
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const headers: Record<string, string> = {
        'content-type': type,
        'cache-control': cacheControlFor(
          file
            .slice(base.length + 1)
            .split(sep)
            .join('/'),
        ),
        etag: entry.etag,
        'last-modified': new Date(info.mtimeMs).toUTCString(),
      };
      if (viewer.ifNoneMatch !== undefined && viewer.ifNoneMatch === entry.etag) {
        return { status: 304, headers };
      }
      const compress =
        viewer.acceptsGzip && COMPRESSIBLE.test(type) && entry.size >= MIN_COMPRESS && entry.raw;
      if (compress && entry.raw) {
        entry.gzip ??= gzipSync(entry.raw);
        headers['content-encoding'] = 'gzip';
        headers.vary = 'accept-encoding';
        headers['content-length'] = String(entry.gzip.length);
        return { status: 200, headers, body: viewer.method === 'HEAD' ? undefined : entry.gzip };
      }
      headers['content-length'] = String(entry.size);
      if (viewer.method === 'HEAD') return { status: 200, headers };
      return { status: 200, headers, body: entry.raw ?? { file } };
    },
  };
}

/** Writes a static object (or streams a large file) to the viewer. */
export function sendStatic(
  res: ServerResponse,
  object: StaticObject,
  extra: Record<string, string>,
): void {
  res.writeHead(object.status, { ...object.headers, ...extra });
  const body = object.body;
  if (!body) res.end();
  else if (Buffer.isBuffer(body)) res.end(body);
  else createReadStream(body.file).pipe(res);
}
