export {
  CACHE_DEFAULTS,
  type Cache,
  CacheLoadTimeoutError,
  type CacheOptions,
  type CacheTimings,
  createCache,
  DEFAULT_L1_MAX_BYTES,
  DEFAULT_L2_TIMEOUT_MS,
  type GetOrLoadOptions,
} from './cache.ts';
