/**
 * One-shot faults a test arms to make the emulator fail the way Stripe can fail halfway
 * through a request: a stored 500, a request that is never answered, and a change that is
 * made but whose response is lost on the way back.
 */

/** The requests a fault can be armed for: `create_session` is `POST /v1/checkout/sessions`. */
export type FaultAction = "create_session";

/**
 * - `error_500`: answers 500 `api_error` and changes nothing. Stripe stores a 500 that began
 *   executing under its Idempotency-Key, so a same-key, same-params repeat replays the 500.
 * - `timeout`: never answers and changes nothing; held until the client aborts or the emulator
 *   closes. The request never ran, so (as on Stripe) its key is not remembered and a same-key
 *   repeat runs afresh.
 * - `drop_response`: runs as usual (a valid create makes the session and its key remembers the
 *   success), then cuts the connection mid-body: the client sees a network error, and a
 *   same-key repeat replays the answer it lost.
 */
export type Fault = "error_500" | "timeout" | "drop_response";

export interface ArmedFault {
  action: FaultAction;
  fault: Fault;
}

const ACTIONS: readonly FaultAction[] = ["create_session"];
const FAULTS: readonly Fault[] = ["error_500", "timeout", "drop_response"];

export class Faults {
  readonly #armed: ArmedFault[] = [];
  readonly #closing = new AbortController();

  constructor(private readonly onTake?: (taken: ArmedFault) => void) {}

  arm(action: FaultAction, fault: Fault, times: number): void {
    if (!ACTIONS.includes(action)) throw new TypeError(`Unknown fault action: ${action}`);
    if (!FAULTS.includes(fault)) throw new TypeError(`Unknown fault: ${fault}`);
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError("times must be an integer ≥ 1");
    }
    for (let i = 0; i < times; i++) this.#armed.push({ action, fault });
  }

  /** The oldest fault armed for `action`, removed; undefined when none is. */
  take(action: FaultAction): Fault | undefined {
    const index = this.#armed.findIndex((armed) => armed.action === action);
    if (index < 0) return undefined;
    const [taken] = this.#armed.splice(index, 1);
    this.onTake?.({ ...taken });
    return taken.fault;
  }

  pending(): ArmedFault[] {
    return this.#armed.map((armed) => ({ ...armed }));
  }

  /**
   * Answers nothing until `request` aborts or `close()`; then cuts the connection. Deno 2.9
   * misses some disconnects (a request whose head fits its first 512-byte read but whose body
   * does not, as SDK creates usually are), so `close()` is the backstop.
   */
  async hold(request: AbortSignal): Promise<Response> {
    const released = AbortSignal.any([request, this.#closing.signal]);
    if (!released.aborted) {
      await new Promise((resolve) => released.addEventListener("abort", resolve, { once: true }));
    }
    return cutOff("{}", 200, {});
  }

  /** Releases every held request, so the server can shut down. */
  close(): void {
    this.#closing.abort();
  }
}

/**
 * A response that promises all of `body` but sends only the first half: the client gets the
 * headers, then the connection closes mid-body. Erroring the stream instead would do the same
 * but makes Deno.serve log the error.
 */
export function cutOff(
  body: string,
  status: number,
  headers: Record<string, string>,
): Response {
  const bytes = new TextEncoder().encode(body);
  return new Response(
    new ReadableStream({
      start(controller) {
        controller.enqueue(bytes.subarray(0, Math.floor(bytes.length / 2)));
        controller.close();
      },
    }),
    { status, headers: { ...headers, "content-length": String(bytes.length) } },
  );
}
