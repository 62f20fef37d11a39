import type { LedgerEntryRecord } from "../../domain/ledger/ledger-entry";
import type { LedgerEntryType } from "./ledger-entry.type";

export function toLedgerEntryType(entry: LedgerEntryRecord): LedgerEntryType {
  return {
    id: entry.id,
    kind: entry.kind,
    amount: entry.amountMicros,
    balanceAfter: entry.balanceAfterMicros,
    reason: entry.reason,
    createdAt: entry.createdAt,
    generationId: entry.generationId,
  };
}
