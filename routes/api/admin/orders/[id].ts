import type { Handlers } from "$fresh/types.ts";
import { getOrder, listHistory } from "@/lib/db/orders.ts";
import { NotFoundError } from "@/lib/http/errors.ts";
import { listOrderTasks } from "@/lib/tasks/outbox.ts";
import type { State } from "@/lib/state.ts";

export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const { kv } = ctx.state;
    const order = (await getOrder(kv, ctx.params.id)).value;
    if (!order) throw new NotFoundError("No such order", { orderId: ctx.params.id });
    const [history, tasks] = await Promise.all([
      listHistory(kv, order.id),
      listOrderTasks(kv, order.id),
    ]);
    return Response.json({ order, history, tasks });
  },
};
