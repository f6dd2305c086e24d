import type { Redis } from 'ioredis';
import { decodeEntry, encodeEntry, type StoredEntry } from './entry.ts';

/** Which L2 operation failed; a bounded label value for `cache_l2_errors_total`. */
export type L2Operation = 'get' | 'set' | 'delete' | 'invalidate_tags' | 'publish' | 'flush';

/**
 * Writes an entry and records it under each of its tags. Tag sets live at
 * least as long as the longest entry they name (PTTL only ever grows), so an
 * invalidation never misses a key that Redis still holds. Lua rather than
 * `PEXPIRE ... GT` so it also runs on Redis/Valkey before 7.0.
 */
const SET_TAGGED = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local ttl = tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 1`;

/**
 * Deletes every key named by the tag sets and the sets themselves, atomically
 * with respect to SET_TAGGED (a concurrent tagged write lands either before,
 * and is deleted, or after, in a new set). Returns the deleted keys so the
 * bus message can name them for processes that never indexed the tag.
 */
const INVALIDATE_TAGS = `
local deleted = {}
for i = 1, #KEYS do
  local members = redis.call('SMEMBERS', KEYS[i])
  for _, member in ipairs(members) do
    redis.call('UNLINK', member)
    deleted[#deleted + 1] = member
  end
  redis.call('UNLINK', KEYS[i])
end
return deleted`;

/** Glob metacharacters of SCAN MATCH, escaped so a namespace matches literally. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The Redis tier. Every call is bounded by `timeoutMs` and never throws: a
 * failure is reported through `onError` and reads as a miss (or `false`), so
 * a dead or hung Redis degrades the cache to L1 + loader instead of failing
 * requests. The client itself fails fast (no offline queue), see redis.ts.
 *
 * Layout (single shard: the scripts touch keys they do not declare, which
 * cluster mode would refuse; ElastiCache with cluster mode disabled is fine):
 *   `<ns>:cache:k:<key>`   entry payload (see entry.ts), PX = fresh + grace
 *   `<ns>:cache:t:<tag>`   SET of entry Redis keys carrying the tag
 *   `<ns>:cache:invalidate` pub/sub channel of the invalidation bus
 */
export class RedisTier {
  readonly client: Redis;
  readonly channel: string;
  readonly #keyPrefix: string;
  readonly #tagPrefix: string;
  readonly #namespacePattern: string;
  readonly #timeoutMs: number;
  readonly #onError: (op: L2Operation, err: unknown) => void;

  constructor(
    client: Redis,
    namespace: string,
    timeoutMs: number,
    onError: (op: L2Operation, err: unknown) => void,
  ) {
    this.client = client;
    this.channel = `${namespace}:cache:invalidate`;
    this.#keyPrefix = `${namespace}:cache:k:`;
    this.#tagPrefix = `${namespace}:cache:t:`;
    this.#namespacePattern = `${escapeGlob(namespace)}:cache:*`;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
  }

  /** The Redis key of a cache key (tests read Redis directly with it). */
  redisKey(key: string): string {
    return `${this.#keyPrefix}${key}`;
  }

  /** The Redis key of a tag's key set. */
  tagKey(tag: string): string {
    return `${this.#tagPrefix}${tag}`;
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const raw = await this.#run('get', () => this.client.get(this.redisKey(key)));
    return typeof raw === 'string' ? decodeEntry(raw) : undefined;
  }

  /** Stores the entry until its grace ends. Resolves false when Redis did not take it. */
  async set(key: string, entry: StoredEntry): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(entry.graceUntil - Date.now()));
    const payload = encodeEntry(entry);
    const redisKey = this.redisKey(key);
    const done = await this.#run('set', () =>
      entry.tags.length === 0
        ? this.client.set(redisKey, payload, 'PX', ttl)
        : this.client.eval(
            SET_TAGGED,
            1 + entry.tags.length,
            redisKey,
            ...entry.tags.map((tag) => this.tagKey(tag)),
            payload,
            ttl,
          ),
    );
    return done !== undefined;
  }

  async delete(keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    const done = await this.#run('delete', () =>
      this.client.unlink(...keys.map((key) => this.redisKey(key))),
    );
    return done !== undefined;
  }

  /** Deletes the tagged entries; resolves their cache keys, or undefined when Redis failed. */
  async invalidateTags(tags: readonly string[]): Promise<string[] | undefined> {
    if (tags.length === 0) return [];
    const deleted = await this.#run('invalidate_tags', () =>
      this.client.eval(INVALIDATE_TAGS, tags.length, ...tags.map((tag) => this.tagKey(tag))),
    );
    if (!Array.isArray(deleted)) return undefined;
    const keys: string[] = [];
    for (const redisKey of deleted) {
      if (typeof redisKey === 'string' && redisKey.startsWith(this.#keyPrefix)) {
        keys.push(redisKey.slice(this.#keyPrefix.length));
      }
    }
    return keys;
  }

  /** Deletes every entry and tag set of the namespace (after too many lost invalidations). */
  async flush(): Promise<boolean> {
    const done = await this.#run('flush', async () => {
      let cursor = '0';
      do {
        const [next, batch] = await this.client.scan(
          cursor,
          'MATCH',
          this.#namespacePattern,
          'COUNT',
          1000,
        );
        cursor = next;
        if (batch.length > 0) await this.client.unlink(...batch);
      } while (cursor !== '0');
      return true;
    });
    return done !== undefined;
  }

  async publish(message: string): Promise<boolean> {
    const done = await this.#run('publish', () => this.client.publish(this.channel, message));
    return done !== undefined;
  }

  /**
   * Runs one command within the timeout. A command that times out is not
   * cancelled (Redis has no cancel), we only stop waiting for it.
   */
  async #run<T>(op: L2Operation, command: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`redis did not answer ${op} within ${this.#timeoutMs} ms`)),
            // SCAN over a large namespace legitimately takes longer than one command.
            op === 'flush' ? this.#timeoutMs * 50 : this.#timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      this.#onError(op, err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
