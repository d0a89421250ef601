/**
 * An s3rver process (an S3-compatible server from npm) of the test's own: a free port picked
 * by the server itself, a temporary data directory, one bucket; stopped and removed at
 * teardown, and killed at exit if the test dies first. Objects go in with @aws-sdk/client-s3.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface TestS3rver {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  bucket: string;
  put(key: string, body: string | Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
}

/** s3rver checks signatures against this fixed pair. */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3rver(t: { teardown(fn: () => unknown): void }, bucket: string): Promise<TestS3rver> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-s3rver-'));
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  // s3rver 3.7 seals continuation tokens with DES, which Node 20's OpenSSL 3 only has in its legacy provider.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--no-vhost-buckets', '--configure-bucket', bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stopAtExit = () => child.kill('SIGKILL');
  process.once('exit', stopAtExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /S3rver listening on [^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening: ${stderr}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_KEY });
  t.teardown(async () => {
    client.destroy();
    process.removeListener('exit', stopAtExit);
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    endpoint, bucket,
    put: async (key, body) => { await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body })); },
    remove: async (key) => { await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })); },
  };
}
