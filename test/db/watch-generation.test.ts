import { createUserWithKey } from "../../src/cli/create-user";
import { createPrismaClient } from "../../src/db/client";
import type { Principal } from "../../src/domain/accounts/principal";
import type { Db } from "../../src/domain/db";
import type { GenerationSignal } from "../../src/domain/generation/generation-feed";
import { watchGeneration } from "../../src/domain/generation/watch-generation";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { fail, partial, pendingGeneration, succeed } from "../support/live-generations";
import { principalOf } from "../support/principal";

// The watch behind generationUpdated, without GraphQL or sockets: signals are handed to it directly, so what a slow
// watcher keeps, and what it never drops, is exact.

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

let users = 0;
async function member(): Promise<Principal> {
  const email = `watch${++users}-${process.pid}@example.com`;
  const { userId } = await createUserWithKey(db, { email, role: "MEMBER", credits: "1" });
  return principalOf({ userId, role: "MEMBER" });
}

/** A feed whose one listener the test calls itself. */
function handFeed() {
  const feed = {
    hear: (_signal: GenerationSignal) => undefined as void,
    watching: false,
    watch(_id: string, listener: (signal: GenerationSignal) => void) {
      feed.hear = listener;
      feed.watching = true;
      return () => void (feed.watching = false);
    },
  };
  return feed;
}

it("a slow watcher keeps the 4 newest partial images, in order, and never loses the final state", async () => {
  const principal = await member();
  const generationId = await pendingGeneration(db, principal.userId);
  const feed = handFeed();
  const watch = await watchGeneration({ db, feed, principal, generationId });
  expect((await watch.next()).value).toMatchObject({ generation: { status: "PENDING" }, partialImage: null });

  for (let i = 0; i < 6; i++) feed.hear({ kind: "partial", partial: partial(0, i) });
  feed.hear({ kind: "partial", partial: partial(0, 3) }); // late and stale: already heard
  feed.hear({ kind: "changed" }); // nothing changed: no event
  await succeed(db, generationId);
  feed.hear({ kind: "changed" }); // moves behind what was heard before it

  const events = [];
  for await (const event of watch) events.push(event);
  expect(events.map((event) => [event.generation.status, event.partialImage?.partialIndex])).toEqual([
    ["PENDING", 2],
    ["PENDING", 3],
    ["PENDING", 4],
    ["PENDING", 5],
    ["SUCCEEDED", undefined],
  ]);
  expect(feed.watching).toBe(false);
});

it("ends at once when its watcher leaves, even while waiting for a signal", async () => {
  const principal = await member();
  const generationId = await pendingGeneration(db, principal.userId);
  const feed = handFeed();
  const watch = await watchGeneration({ db, feed, principal, generationId });
  await watch.next();
  const waiting = watch.next();
  await watch.return!();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(feed.watching).toBe(false);
  await fail(db, generationId);
});

it("another member's generation, or none, is NOT_FOUND and leaves nothing watching", async () => {
  const [owner, other] = [await member(), await member()];
  const generationId = await pendingGeneration(db, owner.userId);
  for (const [principal, id] of [
    [other, generationId],
    [owner, "00000000-0000-4000-8000-000000000000"],
  ] as const) {
    const feed = handFeed();
    await expect(watchGeneration({ db, feed, principal, generationId: id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(feed.watching).toBe(false);
  }
  const finance = { ...other, role: "FINANCE" as const };
  const watch = await watchGeneration({ db, feed: handFeed(), principal: finance, generationId });
  expect((await watch.next()).value).toMatchObject({ generation: { id: generationId } });
  await watch.return!();
  await fail(db, generationId);
});
