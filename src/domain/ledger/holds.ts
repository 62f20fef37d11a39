// Two-phase spending: a hold reserves credit before the provider is called (imagegate_open_generation); it is then
// resolved exactly once, either SETTLED (generation/settle-generation.ts: the actual cost is charged, the rest of
// the hold freed) or RELEASED (ledger/sweeper.ts, for failures, shutdown and expiry: nothing charged).
// `users.reserved_micros` is the sum of a user's OPEN holds, kept in the same statements that open and resolve them.

/** The team key of spend aggregates for a user in no team (a key column cannot be null). */
export const NO_TEAM = "00000000-0000-0000-0000-000000000000";
