/**
 * Response compression (gzip or deflate, when the client accepts one). Pages and JSON leave
 * their handlers as whole strings, so they are compressed in one node:zlib call: on a
 * catalog page that costs a fraction of a CompressionStream, and the answer keeps a
 * Content-Length instead of going out chunked. Every other body (static files, the CSV
 * export that streams) goes through hono/compress as it streams.
 */
import type { Context, MiddlewareHandler } from "hono";
import { compress } from "hono/compress";
import { parseAccept } from "hono/utils/accept";
import { deflateSync, gzipSync } from "node:zlib";
import { setHeader } from "./request_log.ts";

export interface CompressOptions {
  /** Bodies smaller than this many bytes are sent as they are (default 1024). */
  threshold?: number;
}

/** Content types whose bodies Settle builds in memory before answering. */
const WHOLE_BODY = /^\s*(?:text\/html|application\/json)(?:[;\s]|$)/i;
const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i;
const VARY_ACCEPT_ENCODING = /(?:^|,)\s*accept-encoding\s*(?:,|$)/i;
const ENCODINGS = ["gzip", "deflate"] as const;
type Encoding = typeof ENCODINGS[number];
const noop = () => Promise.resolve();

/** gzip before deflate at equal quality; `*` stands for any encoding not named. */
export function selectEncoding(header: string | undefined): Encoding | undefined {
  if (!header) return undefined;
  const accepts = parseAccept(header);
  const wildcard = accepts.find((a) => a.type === "*")?.q ?? 0;
  let best: { encoding: Encoding; q: number } | undefined;
  for (const encoding of ENCODINGS) {
    const q = accepts.find((a) => a.type.toLowerCase() === encoding)?.q ?? wildcard;
    if (q > 0 && (!best || q > best.q)) best = { encoding, q };
  }
  return best?.encoding;
}

/**
 * Whether hono/compress would leave this response alone whatever the client accepts. The
 * body is not looked at: reading `res.body` turns a string body into a stream, which
 * Deno.serve then sends chunk by chunk instead of in one write.
 */
function keepsAsIs(c: Context): boolean {
  const { headers, status } = c.res;
  const cacheControl = headers.get("cache-control");
  return status === 206 || headers.has("content-encoding") || headers.has("transfer-encoding") ||
    c.req.method === "HEAD" || (!!cacheControl && NO_TRANSFORM.test(cacheControl));
}

export function compressResponses(options: CompressOptions = {}): MiddlewareHandler {
  const threshold = options.threshold ?? 1024;
  const streaming = compress({ threshold });
  return async (c, next) => {
    await next();
    const type = c.res.headers.get("content-type");
    if (!type || !WHOLE_BODY.test(type) || keepsAsIs(c)) return await streaming(c, noop);
    const vary = c.res.headers.get("vary");
    if (vary !== "*" && !(vary && VARY_ACCEPT_ENCODING.test(vary))) {
      setHeader(c, "vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
    }
    const encoding = selectEncoding(c.req.header("accept-encoding"));
    if (!encoding) return;
    const length = c.res.headers.get("content-length");
    if ((length && Number(length) < threshold) || c.res.body === null) return;
    const plain = new Uint8Array(await c.res.arrayBuffer());
    if (plain.byteLength < threshold) {
      c.res = new Response(plain, c.res);
      return;
    }
    // zlib's Buffers sit on plain ArrayBuffers.
    const body = (encoding === "gzip" ? gzipSync(plain) : deflateSync(plain)) as Uint8Array<
      ArrayBuffer
    >;
    c.res = new Response(body, c.res);
    c.res.headers.set("content-length", String(body.byteLength));
    c.res.headers.set("content-encoding", encoding);
    const etag = c.res.headers.get("etag");
    if (etag && !etag.startsWith("W/")) c.res.headers.set("etag", `W/${etag}`);
  };
}
