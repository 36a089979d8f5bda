/**
 * Recording objects in the configured S3-compatible storage (the same settings Egress uploads
 * with): deleting one when its retention ends. The location is the one Egress reported; only an
 * object in the configured bucket is ever deleted. DeleteObject is idempotent in S3, so a retry
 * after a lost answer is safe.
 */
import { DeleteObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { VideoError } from './errors.ts';
import type { RecordingStorage } from './settings.ts';

/** Deletes a recording's object from storage; throws VideoError ERR_STORAGE_* when it could not. */
export type ObjectDeleter = (location: string) => Promise<void>;

/**
 * The object key of `location` in `bucket`: `s3://bucket/key`, a path-style URL
 * (`https://host/bucket/key`) or a virtual-host URL (`https://bucket.host/key`). Null when the
 * location is not in that bucket (never guess a key).
 */
export function objectKey(location: string, bucket: string): string | null {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3) return s3[1] === bucket ? s3[2]! : null;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  if (url.hostname.startsWith(`${bucket}.`)) return path || null;
  return path.startsWith(`${bucket}/`) && path.length > bucket.length + 1 ? path.slice(bucket.length + 1) : null;
}

/** A deleter for the configured storage; its failures name the S3 error code, never the key. */
export function s3Deleter(st: RecordingStorage): ObjectDeleter {
  // Built on first use: most sweeps find nothing to delete.
  let client: S3Client | null = null;
  return async (location) => {
    const key = objectKey(location, st.bucket);
    if (!key) throw new VideoError('ERR_STORAGE_LOCATION', 'the recording location is not in the configured bucket');
    client ??= new S3Client({
      region: st.region,
      ...(st.endpoint ? { endpoint: st.endpoint } : {}),
      forcePathStyle: st.forcePathStyle,
      credentials: { accessKeyId: st.accessKey, secretAccessKey: st.secretKey },
      maxAttempts: 2,
    });
    try {
      await client.send(new DeleteObjectCommand({ Bucket: st.bucket, Key: key }));
    } catch (e) {
      const upstream = e instanceof S3ServiceException ? `${e.name}:${e.$metadata.httpStatusCode ?? '?'}` : (e as Error)?.name ?? 'unknown';
      throw new VideoError('ERR_STORAGE_FAILED', 'the storage refused or did not answer the delete', upstream, { cause: e });
    }
  };
}
