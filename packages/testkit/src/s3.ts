// S3 for tests: a throwaway Swift with its s3api (swift-server.ts), and a fresh bucket on it.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '@firebreak/server/config.js';
import { startThrowawaySwift, type ThrowawaySwift } from './swift-server.js';

/** Swift, or a clear failure: the S3 backend is never silently left untested. */
export async function startS3(): Promise<ThrowawaySwift> {
  const swift = await startThrowawaySwift();
  if (!swift) throw new Error('OpenStack Swift is not installed (apt-get install swift swift-proxy swift-object swift-container swift-account): the S3 media store cannot be tested');
  return swift;
}

/** The media configuration of an app on a new bucket of `swift`. */
export async function s3MediaConfig(swift: ThrowawaySwift): Promise<Config['media']> {
  const bucket = `media-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({ endpoint: swift.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    ...loadConfig({}).media, store: 's3',
    s3: { endpoint: swift.endpoint, region: 'us-east-1', bucket, accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey, forcePathStyle: true },
  };
}
