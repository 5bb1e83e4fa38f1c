/**
 * Runs a read-check-write step until its atomic commit lands. `step` reads what it needs,
 * builds one `kv.atomic()` guarded by `check()`s on the versionstamps it read, and returns
 * it with a result; a failed check re-runs the step on fresh reads (bounded). A commit that
 * throws (`database is locked` with several processes on one SQLite file) is retried with
 * backoff too.
 */
export class CommitConflictError extends Error {
  override name = "CommitConflictError";
}

export interface AtomicStep<T> {
  /** The operation to commit, or null when there is nothing to write. */
  op: Deno.AtomicOperation | null;
  result: T;
}

export interface RetryOptions {
  /** How many times a step is re-run after a failed check or a thrown commit. */
  attempts?: number;
}

const isTransient = (err: unknown) =>
  err instanceof Error &&
  /database is locked|busy|timed? ?out/i.test(err.message);

export async function commitWithRetry<T>(
  step: () => Promise<AtomicStep<T>>,
  { attempts = 20 }: RetryOptions = {},
): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { op, result } = await step();
    if (!op) return result;
    try {
      const res = await op.commit();
      if (res.ok) return result;
    } catch (err) {
      if (!isTransient(err)) throw err;
    }
    await backoff(attempt);
  }
  throw new CommitConflictError(
    `gave up after ${attempts} conflicting commits`,
  );
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((r) => setTimeout(r, ms));
}
