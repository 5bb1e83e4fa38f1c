/**
 * A loopback HTTP server bound now and given its handler later. An embedded emulator's
 * address must be known before its code is loaded (the provider config, the CSP and the
 * checkout script URL name it), so Settle binds the port at start-up and imports the
 * emulator once it listens itself; a request arriving before then waits for the handler.
 * Deliberately free of imports: start-up loads this file, not the emulators.
 */

export type Handler = (request: Request) => Response | Promise<Response>;

export interface LoopbackServer {
  /** e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Starts answering with `handler`; requests already waiting get it too. */
  serve(handler: Handler): void;
  /**
   * Runs `start` (which imports the emulator and calls `serve`); when it fails, the requests
   * already waiting get a 503 naming the error, the port is closed and the error thrown on.
   */
  load<T>(start: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Binds 127.0.0.1:`port` (0 picks a free port). */
export function bindLoopback(port = 0): LoopbackServer {
  let resolve!: (handler: Handler) => void;
  const ready = new Promise<Handler>((r) => resolve = r);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    async (request) => (await ready)(request),
  );
  const bound = server.addr.port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    serve: resolve,
    async load(start) {
      try {
        return await start();
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        // Requests already waiting must end, or shutdown would wait for them forever.
        resolve(() => new Response(`The emulator failed to start: ${reason}`, { status: 503 }));
        await server.shutdown();
        throw err;
      }
    },
    close: () => server.shutdown(),
  };
}
