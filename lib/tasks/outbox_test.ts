import assert from "node:assert/strict";
import { decodeTime, isValid } from "ulid";
import { keys } from "../db/keys.ts";
import { enqueue } from "./outbox.ts";

Deno.test("a commit of several tasks writes the wake key once, naming the task that wakes", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const op = kv.atomic();
    const now = new Date("2026-12-02T10:00:00Z");
    const first = enqueue(op, { kind: "a", orderId: "o1" }, now);
    enqueue(op, { kind: "b", orderId: "o1", wakes: false }, now);
    assert.ok((await op.commit()).ok);
    assert.equal((await kv.get(keys.tasksWake())).value, first.id);
    let due = 0;
    for await (const _ of kv.list({ prefix: keys.tasksDue() })) due++;
    assert.equal(due, 2);
  } finally {
    kv.close();
  }
});

Deno.test("task ids are distinct ULIDs that carry the time they were queued", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const now = new Date("2026-12-02T10:00:00Z");
    const ids = Array.from({ length: 500 }, () => enqueue(kv.atomic(), { kind: "a" }, now).id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.ok(isValid(id), id);
      assert.equal(decodeTime(id), now.getTime());
    }
  } finally {
    kv.close();
  }
});
