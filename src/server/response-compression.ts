import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { RequestHandler, Response } from 'express';
import { logger } from '../common/logger.js';

const log = logger.child({ component: 'http' });

/** Smaller bodies go as they are: one TCP segment carries about 1.4 kB, so compressing them saves no round trip. */
export const COMPRESSION_THRESHOLD_BYTES = 1400;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export type ContentCoding = 'br' | 'gzip';

/**
 * The coding to send under an Accept-Encoding header: the highest q-value, Brotli on a tie (smaller than gzip);
 * undefined for none (no header, `identity` only, or q=0).
 */
export function preferredCoding(acceptEncoding: string | undefined): ContentCoding | undefined {
  const q = new Map<string, number>();
  for (const item of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = item.split(';').map((p) => p.trim().toLowerCase());
    const weight = params.find((p) => p.startsWith('q='));
    if (name) q.set(name, weight === undefined ? 1 : Number(weight.slice(2)) || 0);
  }
  const weight = (coding: ContentCoding) => q.get(coding) ?? q.get('*') ?? 0;
  const best = (['br', 'gzip'] as const).reduce((a, b) => (weight(b) > weight(a) ? b : a));
  return weight(best) > 0 ? best : undefined;
}

const compressors = {
  // Quality 4: close to gzip's speed with a smaller result; the higher qualities cost far more CPU per response.
  br: (body: Buffer) => promisify(brotliCompress)(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  gzip: (body: Buffer) => promisify(gzip)(body, { level: 6 }),
};

/**
 * Compresses JSON bodies sent whole (`res.send`, `res.json`) of at least COMPRESSION_THRESHOLD_BYTES with Brotli or
 * gzip when the request accepts one, on libuv's threads so that a large result does not hold the event loop.
 */
export function compressJsonResponses(): RequestHandler {
  return (req, res, next) => {
    const send = res.send.bind(res) as (body: unknown) => Response;
    res.send = ((body: unknown) => {
      const type = String(res.getHeader('content-type') ?? '');
      if (!JSON_TYPE.test(type) || res.getHeader('content-encoding') !== undefined || !(typeof body === 'string' || Buffer.isBuffer(body))) return send(body);
      // The representation depends on Accept-Encoding whether or not this one is compressed.
      res.vary('Accept-Encoding');
      const buffer = typeof body === 'string' ? Buffer.from(body) : body;
      const encoding = buffer.length >= COMPRESSION_THRESHOLD_BYTES ? preferredCoding(req.headers['accept-encoding']) : undefined;
      if (!encoding) return send(body);
      compressors[encoding](buffer).then(
        (compressed) => {
          res.setHeader('Content-Encoding', encoding);
          send(compressed);
        },
        (err: unknown) => {
          log.warn({ err, encoding }, 'could not compress a response; sending it as it is');
          send(buffer);
        },
      );
      return res;
    }) as Response['send'];
    next();
  };
}
