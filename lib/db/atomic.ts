/**
 * Runs a read-check-write step until its atomic commit lands. `step` reads what it needs,
 * builds one `kv.atomic()` guarded by `check()`s on the versionstamps it read, and returns
 * it with a result; a failed check re-runs the step on fresh reads (bounded). A commit that
 * throws (`database is locked` with several processes on one SQLite file) is committed
 * again as it is, with backoff, on a budget of its own (`commitRetryingLocks`).
 */
export class CommitConflictError extends Error {
  override name = "CommitConflictError";
}

export interface AtomicStep<T> {
  /** The operation to commit, or null when there is nothing to write. */
  op: Deno.AtomicOperation | null;
  result: T;
  /** Told the commit's result when `op` lands: its versionstamp is that of every write. */
  landed?: (commit: Deno.KvCommitResult) => void;
}

export interface RetryOptions {
  /** How many times a step is re-run after a failed check. */
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
    const { op, result, landed } = await step();
    if (!op) return result;
    let committed: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      // A locked store says nothing about the reads: spending conflict attempts on it made
      // checkouts give up while two processes were merely taking turns at the file.
      committed = await commitRetryingLocks(op);
    } catch (err) {
      if (!isTransient(err)) throw err;
      throw new CommitConflictError(`the store stayed locked: ${(err as Error).message}`);
    }
    if (committed.ok) {
      landed?.(committed);
      return result;
    }
    await backoff(attempt);
  }
  throw new CommitConflictError(
    `gave up after ${attempts} conflicting commits`,
  );
}

/**
 * Commits one prepared operation, committing it again while the store throws a transient
 * error (`database is locked` when several processes share one SQLite file). A failed
 * check is returned as it is: only the caller can re-read and decide.
 */
export async function commitRetryingLocks(
  op: Deno.AtomicOperation,
  { attempts = 20 }: RetryOptions = {},
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op.commit();
    } catch (err) {
      if (!isTransient(err) || attempt + 1 >= attempts) throw err;
    }
    await backoff(attempt);
  }
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Checks one atomic commit may carry on every KV backend: self-hosted denokv allows 10
 * (Deno Deploy and local SQLite allow more, so a breach would only show in production).
 */
export const MAX_CHECKS_PER_COMMIT = 10;

/** Thrown when a commit is built with more checks than MAX_CHECKS_PER_COMMIT. */
export class CheckBudgetError extends Error {
  override name = "CheckBudgetError";
}

/**
 * `kv.atomic()` that refuses a check beyond MAX_CHECKS_PER_COMMIT when it is added, so a
 * commit that self-hosted denokv would refuse fails the same way on every backend (and in
 * tests on SQLite).
 */
export function boundedAtomic(kv: Deno.Kv): Deno.AtomicOperation {
  const op = kv.atomic();
  const check = op.check.bind(op);
  let checks = 0;
  op.check = (...entries: Deno.AtomicCheck[]) => {
    checks += entries.length;
    if (checks > MAX_CHECKS_PER_COMMIT) {
      throw new CheckBudgetError(
        `an atomic commit may carry at most ${MAX_CHECKS_PER_COMMIT} checks`,
      );
    }
    return check(...entries);
  };
  return op;
}
