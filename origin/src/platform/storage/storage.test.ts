import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  createStorage,
  IMMUTABLE_CACHE_CONTROL,
  InvalidStorageKeyError,
  type S3Sender,
} from './index.ts';

describe('storage: local folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-storage-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when an object is put, then it is a file under the folder, served under /media, and delete removes it', async () => {
    const storage = createStorage({ driver: 'local', dir });
    await storage.put('works/7/abc/w480.webp', Buffer.from('bytes'), 'image/webp');
    assert.equal(await readFile(path.join(dir, 'works', '7', 'abc', 'w480.webp'), 'utf8'), 'bytes');
    assert.deepEqual(
      await readdir(path.join(dir, 'works', '7', 'abc')),
      ['w480.webp'],
      'no temp file left',
    );
    assert.equal(storage.url('works/7/abc/w480.webp'), '/media/works/7/abc/w480.webp');
    await storage.delete('works/7/abc/w480.webp');
    await assert.rejects(stat(path.join(dir, 'works', '7', 'abc', 'w480.webp')), {
      code: 'ENOENT',
    });
    await storage.delete('works/7/abc/w480.webp');
  });

  it('when a key could leave the folder or is not lower-case, then it is refused before touching the disk', async () => {
    const storage = createStorage({ driver: 'local', dir, publicPath: '/files/' });
    for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'UPPER.png', 'a//b', 'a\\b', '']) {
      await assert.rejects(
        storage.put(key, Buffer.from('x'), 'image/png'),
        InvalidStorageKeyError,
        key,
      );
      assert.throws(() => storage.url(key), InvalidStorageKeyError, key);
    }
    assert.deepEqual(await readdir(dir), []);
    assert.equal(storage.url('a/b.png'), '/files/a/b.png');
  });
});

describe('storage: S3', () => {
  /** Records the commands instead of calling AWS. */
  function stubClient() {
    const sent: Array<PutObjectCommand | DeleteObjectCommand> = [];
    const client: S3Sender = {
      async send(command) {
        sent.push(command);
        return {};
      },
    };
    return { client, sent };
  }

  it('when an object is put, then PutObject names the bucket, the prefixed key, the content type and an immutable cache lifetime', async () => {
    const { client, sent } = stubClient();
    const storage = createStorage({
      driver: 's3',
      bucket: 'shop-media',
      prefix: 'media/',
      publicUrl: 'https://cdn.example.com/media/',
      client,
    });
    const bytes = Buffer.from([1, 2, 3]);
    await storage.put('works/7/abc/original.jpg', bytes, 'image/jpeg');
    assert.equal(sent.length, 1);
    const put = sent[0];
    assert.ok(put instanceof PutObjectCommand);
    assert.deepEqual(put.input, {
      Bucket: 'shop-media',
      Key: 'media/works/7/abc/original.jpg',
      Body: bytes,
      ContentType: 'image/jpeg',
      ContentLength: 3,
      CacheControl: 'public, max-age=31536000, immutable',
    });
    assert.equal(IMMUTABLE_CACHE_CONTROL, 'public, max-age=31536000, immutable');
    assert.equal(
      storage.url('works/7/abc/original.jpg'),
      'https://cdn.example.com/media/works/7/abc/original.jpg',
    );
  });

  it('when an object is deleted, then DeleteObject names the bucket and the prefixed key', async () => {
    const { client, sent } = stubClient();
    const storage = createStorage({
      driver: 's3',
      bucket: 'b',
      prefix: 'm/',
      publicUrl: '/media',
      client,
    });
    await storage.delete('works/1/x/w960.webp');
    const command = sent[0];
    assert.ok(command instanceof DeleteObjectCommand);
    assert.deepEqual(command.input, { Bucket: 'b', Key: 'm/works/1/x/w960.webp' });
  });

  it('when a key is unsafe, then nothing is sent', async () => {
    const { client, sent } = stubClient();
    const storage = createStorage({ driver: 's3', bucket: 'b', publicUrl: '/media', client });
    await assert.rejects(
      storage.put('../x', Buffer.from('x'), 'image/png'),
      InvalidStorageKeyError,
    );
    assert.equal(sent.length, 0);
  });

  it('when no client is given, then a real S3Client is built (and not called here)', () => {
    const client = new S3Client({ region: 'eu-west-1' });
    const storage = createStorage({ driver: 's3', bucket: 'b', publicUrl: '/media', client });
    assert.equal(storage.url('a.png'), '/media/a.png');
    assert.doesNotThrow(() =>
      createStorage({ driver: 's3', bucket: 'b', publicUrl: '/media', region: 'eu-west-1' }),
    );
    client.destroy();
  });
});
