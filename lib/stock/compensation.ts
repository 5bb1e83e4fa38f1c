/**
 * The compensation task (`return_unplaced_stock`): queued with a placement made in several
 * commits, or a retake made in several, and due when its window closes. If the placement
 * never became an order (or the retake never got its session), it gives back what is held,
 * line by line, exactly once; otherwise it has nothing to do.
 */
import { keys } from "../db/keys.ts";
import type { PlacementRecord } from "./lines.ts";
import { type AbandonOptions, abandonPlacement } from "./reservations.ts";
import { abandonRetake } from "./retake.ts";

export { COMPENSATION_TASK } from "./reservations.ts";

export async function compensate(
  kv: Deno.Kv,
  orderId: string,
  taskId: string,
  options: AbandonOptions,
): Promise<string> {
  const record = (await kv.get<PlacementRecord>(keys.placement(orderId))).value;
  if (record?.taskId === taskId && record.state !== "placed") {
    const units = await abandonPlacement(kv, orderId, options);
    return `placement abandoned: ${units} units returned`;
  }
  if (record?.retake?.taskId === taskId) {
    const units = await abandonRetake(kv, orderId, taskId, options);
    return `retake abandoned: ${units} units returned`;
  }
  return record?.state === "placed" && record.taskId === taskId
    ? "nothing to return: the order was placed"
    : "nothing to return";
}
