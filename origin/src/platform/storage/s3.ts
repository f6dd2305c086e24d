import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertStorageKey, IMMUTABLE_CACHE_CONTROL, joinUrl, type Storage } from './storage.ts';

/** The one method of S3Client this storage uses; tests pass a stub. */
export interface S3Sender {
  send(command: PutObjectCommand | DeleteObjectCommand): Promise<unknown>;
}

/** Settings of the S3 storage (production). */
export interface S3StorageSettings {
  /** Bucket name. */
  bucket: string;
  /**
   * Key prefix inside the bucket, e.g. `media/`, so that CloudFront's
   * `/media/*` behaviour maps straight onto the objects. Default none.
   */
  prefix?: string;
  /**
   * URL prefix the objects are served from: `/media` when CloudFront serves
   * the bucket under the shop's own host, or an absolute CDN address.
   */
  publicUrl: string;
  /** AWS region of the bucket; the SDK's default chain (AWS_REGION) when omitted. */
  region?: string;
  /** Cache-Control stored with each object. Default: a year, immutable. */
  cacheControl?: string;
  /** Client to send the commands with; an S3Client for `region` when omitted. */
  client?: S3Sender;
}

/**
 * Objects in an S3 bucket. Credentials come from the SDK's default chain
 * (the ECS task role in production); nothing here reads the environment.
 */
export function createS3Storage(settings: S3StorageSettings): Storage {
  const prefix = settings.prefix ?? '';
  if (prefix && !/^[a-z0-9][a-z0-9/._-]*\/$/.test(prefix))
    throw new Error(
      `S3 key prefix must be lower-case and end with "/", got ${JSON.stringify(prefix)}`,
    );
  const client: S3Sender =
    settings.client ?? new S3Client(settings.region ? { region: settings.region } : {});
  const cacheControl = settings.cacheControl ?? IMMUTABLE_CACHE_CONTROL;
  const objectKey = (key: string) => {
    assertStorageKey(key);
    return `${prefix}${key}`;
  };
  return {
    async put(key, bytes, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: settings.bucket,
          Key: objectKey(key),
          Body: bytes,
          ContentType: contentType,
          ContentLength: bytes.length,
          CacheControl: cacheControl,
        }),
      );
    },
    async delete(key) {
      // S3 answers 204 for a key that does not exist, which is what delete() promises.
      await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: objectKey(key) }));
    },
    url(key) {
      assertStorageKey(key);
      return joinUrl(settings.publicUrl, key);
    },
  };
}
