// Test double of Amazon S3 (no S3-compatible server can run here), implementing exactly ListObjectsV2 (GET /{bucket}?list-type=2 with prefix, delimiter, continuation-token, max-keys) and GetObject (GET /{bucket}/{key} with Range), path-style; signatures are not checked.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3Double {
  readonly endpoint: string;
  /** Objects by bucket, then key; tests change them between runs. */
  readonly buckets: Map<string, Map<string, Buffer>>;
  /** The Range header of every GetObject, in order ('' when none). */
  readonly ranges: string[];
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`${XML_HEAD}<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
}

function list(res: ServerResponse, bucket: string, objects: Map<string, Buffer>, q: URLSearchParams): void {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
  const after = q.get('continuation-token') ?? '';
  // Keys sort in UTF-8 byte order in S3; the continuation token here is simply the last key returned.
  const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
  const contents: string[] = [];
  const prefixes: string[] = [];
  let last = '';
  for (const key of keys) {
    if (contents.length + prefixes.length >= maxKeys) break;
    const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter.length);
      if (prefixes.at(-1) !== common) prefixes.push(common);
      // Every key under a common prefix is rolled up into it, so the page resumes after the whole prefix.
      last = `${common}\uffff`;
      continue;
    }
    contents.push(`<Contents><Key>${xmlEscape(key)}</Key><LastModified>2026-11-01T00:00:00.000Z</LastModified><ETag>"0"</ETag><Size>${objects.get(key)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
    last = key;
  }
  const truncated = keys.some((k) => k > last) && last !== '';
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(`${XML_HEAD}<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>`
    + `<KeyCount>${contents.length + prefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<IsTruncated>${truncated}</IsTruncated>`
    + contents.join('') + prefixes.map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('')
    + (truncated ? `<NextContinuationToken>${xmlEscape(last)}</NextContinuationToken>` : '') + '</ListBucketResult>');
}

function get(req: IncomingMessage, res: ServerResponse, body: Buffer, ranges: string[]): void {
  const range = req.headers.range ?? '';
  ranges.push(range);
  const m = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (!m) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(m[2] === '' ? body.length - 1 : Number(m[2]), body.length - 1);
  if (start >= body.length) return error(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
  res.writeHead(206, { 'content-type': 'application/octet-stream', 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}` });
  res.end(body.subarray(start, end + 1));
}

export async function startS3Double(): Promise<S3Double> {
  const buckets = new Map<string, Map<string, Buffer>>();
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://double');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const objects = buckets.get(decodeURIComponent(bucket));
    if (req.method !== 'GET') return error(res, 405, 'MethodNotAllowed', `${req.method} is not implemented by this double`);
    if (!objects) return error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) {
      if (url.searchParams.get('list-type') !== '2') return error(res, 501, 'NotImplemented', 'only ListObjectsV2 is implemented');
      return list(res, bucket, objects, url.searchParams);
    }
    const body = objects.get(decodeURIComponent(rest.join('/')));
    if (!body) return error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    get(req, res, body, ranges);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`, buckets, ranges,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
