/**
 * Child processes for the benches: servers that announce their address on stdout, and the
 * load generator. Every child is a separate process (`deno run`, or `node` for the peer), so
 * a server never shares a CPU queue or a garbage collector with the code that measures it.
 */

export interface ServerProcess {
  /** Loopback origin, e.g. http://127.0.0.1:41234. */
  url: string;
  pid: number;
  /** SIGTERM, then waits for the exit; SIGKILL when it has not gone after `graceMs`. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

export interface StartOptions {
  /** The program; default this Deno. */
  command?: string;
  /** Arguments after the program, e.g. ["run", "-A", "main.ts"]. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** The first stdout line matching this gives the port (capture group 1). */
  ready: RegExp;
  /** Start-up includes bundling islands for Settle; default 60 s. */
  timeoutMs?: number;
}

const decoder = new TextDecoder();

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = new Deno.Command(options.command ?? Deno.execPath(), {
    args: options.args,
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = collect(child.stderr);
  const lines = readLines(child.stdout);
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
  });
  let port: string;
  try {
    port = await Promise.race([waitForLine(lines, options.ready), timeout]);
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    throw new Error(`${options.args.join(" ")} did not start: ${err}\n${await stderr}`);
  } finally {
    clearTimeout(timer);
  }
  // Keep draining stdout so a chatty server never blocks on a full pipe.
  const drained = (async () => {
    for await (const _ of lines);
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    async stop(graceMs = 15_000) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const killer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, graceMs);
      const status = await child.status;
      clearTimeout(killer);
      await drained;
      const errors = (await stderr).trim();
      if (errors) console.error(`[server ${child.pid} stderr]\n${errors.slice(-4000)}`);
      return status;
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Runs `deno <args>` to completion and returns its stdout; throws on a non-zero exit. */
export async function runDeno(args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")} failed (${out.code}):\n${decoder.decode(out.stderr)}`);
  }
  return decoder.decode(out.stdout);
}

async function waitForLine(lines: AsyncIterator<string>, ready: RegExp): Promise<string> {
  while (true) {
    const next = await lines.next();
    if (next.done) throw new Error("stdout closed before the server was ready");
    const match = ready.exec(next.value);
    if (match) return match[1];
  }
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const lineDecoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += lineDecoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered) yield buffered;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  const textDecoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    // Only the tail matters when a server fails; keep memory bounded under load.
    text = (text + textDecoder.decode(chunk, { stream: true })).slice(-64_000);
  }
  return text;
}
