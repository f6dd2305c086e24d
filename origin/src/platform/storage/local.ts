import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertStorageKey, joinUrl, type Storage } from './storage.ts';

/** Settings of the local-folder storage (development and tests). */
export interface LocalStorageSettings {
  /** Folder the objects are written to: the config's MEDIA_DIR, which app.ts serves at /media. */
  dir: string;
  /** URL prefix the folder is served at. Default `/media`. */
  publicPath?: string;
}

/**
 * Objects as files under one folder. Writes go to a temporary name in the
 * same folder and are renamed into place, so the static file server never
 * serves half a file.
 */
export function createLocalStorage({ dir, publicPath = '/media' }: LocalStorageSettings): Storage {
  const root = path.resolve(dir);
  const fileOf = (key: string) => {
    assertStorageKey(key);
    const file = path.resolve(root, ...key.split('/'));
    // assertStorageKey already rules out "..": this is the belt to its braces.
    if (!file.startsWith(root + path.sep))
      throw new Error(`storage key escapes the media folder: ${key}`);
    return file;
  };
  return {
    async put(key, bytes) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomBytes(6).toString('hex')}.partial`;
      try {
        await writeFile(temporary, bytes, { flag: 'wx' });
        await rename(temporary, file);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
    },
    async delete(key) {
      await rm(fileOf(key), { force: true });
    },
    url(key) {
      assertStorageKey(key);
      return joinUrl(publicPath, key);
    },
  };
}
