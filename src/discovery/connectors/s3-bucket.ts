/**
 * The two S3 calls discovery makes: ListObjectsV2 (paged, bounded) and ranged GetObject, so
 * a multi-gigabyte object costs no more to sample than its first bytes.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ConnectorLimits, DiscoveryTarget, S3Location } from '../connector.js';
import { DiscoveryError } from '../errors.js';

export interface ListedObject { key: string; size: number }

export interface Listing {
  objects: ListedObject[];
  /** Folders one level under the listed prefix (asked with the `/` delimiter). */
  folders: string[];
}

export class S3Bucket {
  private readonly client: S3Client;

  constructor(readonly location: S3Location, target: DiscoveryTarget, private readonly limits: ConnectorLimits) {
    this.client = new S3Client({
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      ...(location.endpoint !== undefined && { endpoint: location.endpoint }),
      ...(target.user !== undefined && target.password !== undefined && { credentials: { accessKeyId: target.user, secretAccessKey: target.password } }),
      // Checksums of whole objects cannot be checked on a byte range, and the SDK's retries would outlast the run's timeout.
      responseChecksumValidation: 'WHEN_REQUIRED', requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1,
    });
  }

  /** Up to `max` objects under `prefix`; with `folders`, only the level just under it. */
  async list(prefix: string, max: number, folders: boolean): Promise<Listing> {
    const out: Listing = { objects: [], folders: [] };
    let token: string | undefined;
    do {
      const page = await this.send(() => this.client.send(new ListObjectsV2Command({
        Bucket: this.location.bucket, Prefix: prefix, MaxKeys: Math.min(this.limits.scanCount, 1000),
        ...(folders && { Delimiter: '/' }), ...(token !== undefined && { ContinuationToken: token }),
      }), this.signal()), 'SLUICE_DISCOVERY_QUERY', `list s3://${this.location.bucket}/${prefix}`);
      for (const o of page.Contents ?? []) if (o.Key !== undefined) out.objects.push({ key: o.Key, size: o.Size ?? 0 });
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) out.folders.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      await this.limits.pace();
    } while (token !== undefined && out.objects.length + out.folders.length < max);
    return out;
  }

  /** Bytes [start, end) of an object, end exclusive; the server may return fewer at the object's end. */
  async read(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    const body = await this.send(async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }), this.signal());
      return res.Body ? res.Body.transformToByteArray() : new Uint8Array(0);
    }, 'SLUICE_DISCOVERY_SAMPLE', `read s3://${this.location.bucket}/${key}`);
    await this.limits.pace();
    return body;
  }

  close(): void {
    this.client.destroy();
  }

  private signal(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.limits.statementTimeoutMs) };
  }

  private async send<T>(call: () => Promise<T>, code: 'SLUICE_DISCOVERY_QUERY' | 'SLUICE_DISCOVERY_SAMPLE', what: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new DiscoveryError(code, `could not ${what}: ${(err as Error).message}`, { cause: err });
    }
  }
}
