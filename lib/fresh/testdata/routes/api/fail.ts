import { ConflictError } from "../../../../http/errors.ts";

export function handler(req: Request): Response {
  if (new URL(req.url).searchParams.has("conflict")) {
    throw new ConflictError("already_paid", "Order already paid");
  }
  throw new Error("database on fire");
}
