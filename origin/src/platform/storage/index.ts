import { createLocalStorage, type LocalStorageSettings } from './local.ts';
import { createS3Storage, type S3StorageSettings } from './s3.ts';
import type { Storage } from './storage.ts';

export { createLocalStorage, type LocalStorageSettings } from './local.ts';
export { createS3Storage, type S3Sender, type S3StorageSettings } from './s3.ts';
export {
  assertStorageKey,
  IMMUTABLE_CACHE_CONTROL,
  InvalidStorageKeyError,
  type Storage,
} from './storage.ts';

/**
 * Which storage to use and its settings: the local folder in development and
 * tests, S3 in production. config.ts builds this object, so the wiring is
 * `createStorage(config.storage)`.
 */
export type StorageSettings =
  | ({ driver: 'local' } & LocalStorageSettings)
  | ({ driver: 's3' } & S3StorageSettings);

export function createStorage(settings: StorageSettings): Storage {
  switch (settings.driver) {
    case 'local':
      return createLocalStorage(settings);
    case 's3':
      return createS3Storage(settings);
  }
}
