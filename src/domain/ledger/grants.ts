import { Prisma } from "../../generated/prisma/client";
import { recordAudit } from "../audit/audit-log";
import { isNumericOutOfRange, type Tx } from "../db";
import { badInput, notFound } from "../errors";
import { formatMoney } from "../money";
import { isUuid } from "../ids";
import { LEDGER_ENTRY_COLUMNS, type LedgerEntryRecord } from "./ledger-entry";

const MAX_REASON_LENGTH = 500;
/** PostgreSQL's bigint (int8), the type of balance_micros. */
const MAX_BALANCE_MICROS = 2n ** 63n - 1n;

export interface GrantInput {
  actorId: string | null;
  userId: string;
  amountMicros: bigint;
  reason: string;
}

/**
 * Adds credit (a GRANT) or, with a negative amount, takes it away (an ADJUSTMENT). The balance update and its
 * ledger row are one statement, so the entry's balanceAfter is exact even under concurrent charges. An adjustment
 * may not take a balance below what is held for generations in flight.
 */
export async function grantCredits(tx: Tx, input: GrantInput): Promise<LedgerEntryRecord> {
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw badInput("reason", `reason must be 1 to ${MAX_REASON_LENGTH} characters`);
  }
  if (input.amountMicros === 0n) throw badInput("amount", "amount must not be zero");
  if (!isUuid(input.userId)) throw notFound("User");
  const kind = input.amountMicros > 0n ? "GRANT" : "ADJUSTMENT";

  const entry = await addToBalance(tx, input, kind, reason);
  if (entry !== undefined) {
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "grantCredits",
      targetType: "User",
      targetId: input.userId,
      after: { kind, amountMicros: entry.amountMicros, balanceAfterMicros: entry.balanceAfterMicros, reason },
    });
    return entry;
  }

  const exists = await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } });
  if (exists === null) throw notFound("User");
  throw badInput("amount", "the adjustment would take the balance below the credit held for generations in flight");
}

/** The balance update and its ledger row, in one statement; undefined when no row qualified. */
async function addToBalance(
  tx: Tx,
  input: GrantInput,
  kind: "GRANT" | "ADJUSTMENT",
  reason: string,
): Promise<LedgerEntryRecord | undefined> {
  try {
    const rows = await tx.$queryRaw<LedgerEntryRecord[]>`
      WITH account AS (
        UPDATE users SET balance_micros = balance_micros + ${input.amountMicros}
         WHERE id = ${input.userId}::uuid AND balance_micros + ${input.amountMicros} >= reserved_micros
         RETURNING id, balance_micros)
      INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, reason, actor_id)
      SELECT gen_random_uuid(), account.id, ${kind}::"LedgerEntryKind", ${input.amountMicros}, account.balance_micros,
             ${reason}, ${input.actorId}::uuid
        FROM account
      RETURNING ${Prisma.raw(LEDGER_ENTRY_COLUMNS)}`;
    return rows[0];
  } catch (error) {
    // Every amount is bounded (money.ts), but many grants can still add up past what the column holds.
    if (isNumericOutOfRange(error)) {
      throw badInput(
        "amount",
        `the grant would take the balance above ${formatMoney(MAX_BALANCE_MICROS)}, the most an account can hold`,
      );
    }
    throw error;
  }
}
