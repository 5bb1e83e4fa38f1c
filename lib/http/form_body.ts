/**
 * URL-encoded form posts (the no-JS paths of pages), read with a size cap: page routes sit
 * outside the /api body limit, and a chunked body has no Content-Length to check up front.
 */
import { PayloadTooLargeError, ValidationError } from "./errors.ts";

/** Plenty for a form of a few short fields. */
export const FORM_BODY_LIMIT = 4 * 1024;

/** The posted fields; 413 past `limit` bytes, 400 for a body that is not a URL-encoded form. */
export async function readForm(req: Request, limit = FORM_BODY_LIMIT): Promise<URLSearchParams> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new ValidationError("Expected an application/x-www-form-urlencoded form");
  }
  if (Number(req.headers.get("content-length") ?? 0) > limit) {
    throw new PayloadTooLargeError(limit);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new URLSearchParams(new TextDecoder().decode(bytes));
}
