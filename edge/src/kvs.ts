import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KVS_KEYS } from './description.ts';

/*
 * The KeyValueStore content in CloudFront's import format
 * (`{"data": [{"key": …, "value": …}]}`), the same file the CDK stack imports
 * and the local edge server reads. Limits from the CloudFront quotas page.
 */

export const KVS_LIMITS = { keyBytes: 512, valueBytes: 1024, storeBytes: 5 * 1024 * 1024 } as const;

export interface KvsDocument {
  data: { key: string; value: string }[];
}

/** What the function reads from the `flags` key. */
export interface EdgeFlags {
  /** `app`: session pages and the API answer 503; `all`: every page does. */
  maintenance: 'off' | 'app' | 'all';
  /** Share of signed-in sessions (0–100) routed to the canary app origin. */
  canary: { percent: number };
}

export const DEFAULT_FLAGS: EdgeFlags = { maintenance: 'off', canary: { percent: 0 } };

export class KvsError extends Error {
  override name = 'KvsError';
}

/** The store for a key ring (kid → secret) and flags. */
export function kvsDocument(
  keys: ReadonlyMap<string, string>,
  flags: EdgeFlags = DEFAULT_FLAGS,
): KvsDocument {
  const data: KvsDocument['data'] = [{ key: KVS_KEYS.flags, value: JSON.stringify(flags) }];
  for (const [kid, secret] of keys)
    data.push({ key: `${KVS_KEYS.keyPrefix}${kid}`, value: secret });
  return validateKvs({ data });
}

/** Checks shape, uniqueness and CloudFront's size limits; throws a KvsError naming the entry. */
export function validateKvs(doc: unknown): KvsDocument {
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new KvsError('the store must be {"data": [{"key", "value"}, …]}');
  const seen = new Set<string>();
  let total = 0;
  for (const [i, entry] of data.entries()) {
    const { key, value } = (entry ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || typeof value !== 'string' || key === '') {
      throw new KvsError(`entry ${i}: key and value must be strings, the key not empty`);
    }
    if (seen.has(key)) throw new KvsError(`entry ${i}: key "${key}" appears twice`);
    seen.add(key);
    const kb = Buffer.byteLength(key);
    const vb = Buffer.byteLength(value);
    if (kb > KVS_LIMITS.keyBytes)
      throw new KvsError(`key "${key.slice(0, 40)}…" is ${kb} bytes (max 512)`);
    if (vb > KVS_LIMITS.valueBytes)
      throw new KvsError(`value of "${key}" is ${vb} bytes (max 1024)`);
    total += kb + vb;
  }
  if (total > KVS_LIMITS.storeBytes) throw new KvsError(`the store is ${total} bytes (max 5 MB)`);
  return { data: data as KvsDocument['data'] };
}

export function readKvsFile(file: string): Map<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KvsError(`cannot read the KeyValueStore file ${file}: ${(err as Error).message}`);
  }
  return new Map(validateKvs(doc).data.map((e) => [e.key, e.value]));
}

/** Writes atomically (rename), so a watching server never reads half a file; mode 0600: it holds secrets. */
export function writeKvsFile(file: string, doc: KvsDocument): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(validateKvs(doc), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The flags stored in a KVS file, or the defaults (so a rewrite keeps an operator's switch). */
export function flagsOf(entries: ReadonlyMap<string, string>): EdgeFlags {
  const raw = entries.get(KVS_KEYS.flags);
  if (!raw) return DEFAULT_FLAGS;
  try {
    return { ...DEFAULT_FLAGS, ...(JSON.parse(raw) as Partial<EdgeFlags>) };
  } catch {
    return DEFAULT_FLAGS;
  }
}
