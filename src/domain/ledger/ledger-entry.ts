import type { LedgerEntryKind } from "../enums";

export interface LedgerEntryRecord {
  id: string;
  userId: string;
  kind: LedgerEntryKind;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  reason: string | null;
  generationId: string | null;
  createdAt: Date;
}

/** Column list that reads a ledger_entries row as a LedgerEntryRecord in raw SQL. */
export const LEDGER_ENTRY_COLUMNS = `id, user_id AS "userId", kind::text AS kind, amount_micros AS "amountMicros",
  balance_after_micros AS "balanceAfterMicros", reason, generation_id AS "generationId", created_at AS "createdAt"`;
