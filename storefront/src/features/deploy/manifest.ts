import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/*
 * What a deploy must upload and invalidate: the static build's files with
 * their content hashes, compared with the previous build's. Astro rebuilds
 * every page, but most come out byte for byte the same, so a price change on
 * one work touches its page, the listings that show it and the search index,
 * not the whole site. CloudFront then invalidates only those paths (a
 * directory's page under both `/a/b/` and `/a/b/index.html`).
 */

export interface BuildManifest {
  /** The catalogue's change cursor the build reflects. */
  cursor: string;
  /** Key (path in the bucket) → SHA-256 of the content, hex. */
  files: Record<string, string>;
}

export interface BuildDiff {
  /** Keys to upload (new or changed). */
  upload: string[];
  /** Keys to delete from the bucket (gone from the build). */
  remove: string[];
  /** URL paths to invalidate at the edge. */
  invalidate: string[];
}

function walk(dir: string, root: string, out: Record<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, root, out);
    else if (entry.isFile()) {
      out[relative(root, path).split(sep).join('/')] = createHash('sha256')
        .update(readFileSync(path))
        .digest('hex');
    }
  }
}

export function manifestOf(siteDir: string, cursor: string): BuildManifest {
  const files: Record<string, string> = {};
  walk(siteDir, siteDir, files);
  return { cursor, files };
}

/** The URL paths CloudFront may have cached for a key. */
export function urlPathsOf(key: string): string[] {
  if (key === 'index.html') return ['/', '/index.html'];
  if (key.endsWith('/index.html')) return [`/${key.slice(0, -'index.html'.length)}`, `/${key}`];
  return [`/${key}`];
}

/** Everything when there is no previous build. Content-hashed assets never need an invalidation. */
export function diffBuilds(previous: BuildManifest | null, next: BuildManifest): BuildDiff {
  const before = previous?.files ?? {};
  const upload = Object.keys(next.files)
    .filter((key) => before[key] !== next.files[key])
    .sort();
  const remove = Object.keys(before)
    .filter((key) => !(key in next.files))
    .sort();
  const invalidate = [...upload, ...remove]
    .filter((key) => !key.startsWith('_astro/') && previous !== null && key in before)
    .flatMap(urlPathsOf);
  return { upload, remove, invalidate: [...new Set(invalidate)].sort() };
}

export function readManifest(file: string): BuildManifest | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
}

export function writeManifest(file: string, manifest: BuildManifest): void {
  writeFileSync(file, `${JSON.stringify(manifest)}\n`);
}
