/**
 * Request bodies and other untrusted input, parsed with zod at the boundary. Anything that
 * does not parse is a 400 whose details list each issue as `{path, message}`.
 */
import type { z } from "zod";
import { ValidationError } from "./errors.ts";

export interface Issue {
  /** Dotted path to the offending field; empty for the body as a whole. */
  path: string;
  message: string;
}

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

/** Parses `value` or throws a ValidationError (400) naming every issue. */
export function parseInput<T>(
  schema: z.ZodType<T>,
  value: unknown,
  message = "The request is not valid",
): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(message, issuesOf(result.error));
  return result.data;
}

/** Reads a JSON body and parses it; malformed JSON is a 400 like a wrong shape. */
export async function readJson<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw new ValidationError(
      "The request body is not valid JSON",
      [
        { path: "", message: "Malformed JSON" },
      ] satisfies Issue[],
    );
  }
  return parseInput(schema, body);
}
