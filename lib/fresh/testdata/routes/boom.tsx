import type { PageProps } from "$fresh/types.ts";
import { ConflictError } from "../../../http/errors.ts";

export default function Boom({ url }: PageProps) {
  if (url.searchParams.has("conflict")) {
    throw new ConflictError("already_paid", "Order already paid");
  }
  if (!url.searchParams.has("fine")) throw new Error("kaboom");
  return <p>fine</p>;
}
