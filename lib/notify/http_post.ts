/** The one way notifications leave Settle: a JSON POST that must answer 2xx in time. */

/** The endpoint refused, failed or did not answer; the task retries. */
export class NotifyError extends Error {
  override name = "NotifyError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Default time allowed for a notification endpoint (well under the outbox lease). */
export const NOTIFY_TIMEOUT_MS = 10_000;

/** POSTs `body` as JSON; resolves with the response text of a 2xx answer. */
export async function postJson(
  url: string,
  body: unknown,
  options: { headers?: Record<string, string>; signal: AbortSignal; what: string },
): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
      signal: options.signal,
    });
  } catch (err) {
    const why = options.signal.aborted
      ? "timed out"
      : err instanceof Error
      ? err.message
      : String(err);
    throw new NotifyError(`${options.what} unreachable: ${why}`);
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) {
    throw new NotifyError(
      `${options.what} answered ${res.status}: ${text.slice(0, 200)}`,
      res.status,
    );
  }
  return text;
}
