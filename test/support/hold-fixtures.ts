import { randomUUID } from "node:crypto";
import { createUserWithKey } from "../../src/cli/create-user";
import type { Db } from "../../src/domain/db";

// Holds made directly in SQL, as the generation flow leaves them: a PENDING generation, its OPEN hold and the
// user's reservation, in one statement. For tests of the sweeper and of verify-ledger that need many holds fast.

let emailCounter = 0;

export async function createFundedUser(db: Db, credits = "10.00"): Promise<string> {
  const email = `holds${++emailCounter}-${process.pid}-${randomUUID().slice(0, 8)}@example.com`;
  const { userId } = await createUserWithKey(db, { email, role: "MEMBER", credits });
  return userId;
}

/** A PENDING DALL_E_2 generation holding `amountMicros` until `expiresAt`; returns the generation's id. */
export async function openGeneration(
  db: Db,
  hold: { userId: string; amountMicros: bigint; expiresAt: Date },
): Promise<string> {
  const id = randomUUID();
  const inserted = await db.$executeRaw`
    WITH price AS (
      SELECT id, per_image_micros FROM prices
       WHERE model = 'DALL_E_2' AND size = 'SIZE_256X256' AND quality = 'STANDARD'
       ORDER BY effective_from DESC LIMIT 1),
    generation AS (
      INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height,
                                     quality, n, prompt, response_format, price_id, per_image_micros, hold_micros)
      SELECT ${id}::uuid, ${hold.userId}::uuid, 'PENDING', 'openai', 'DALL_E_2', 'DALL_E_2', 'SIZE_256X256', 256, 256,
             'STANDARD', 1, 'a fixture', 'URL', price.id, price.per_image_micros, ${hold.amountMicros}
        FROM price
      RETURNING id),
    account AS (
      UPDATE users SET reserved_micros = reserved_micros + ${hold.amountMicros}
       WHERE id = ${hold.userId}::uuid AND balance_micros - reserved_micros >= ${hold.amountMicros}
      RETURNING id)
    INSERT INTO holds (id, user_id, generation_id, amount_micros, status, expires_at)
    SELECT gen_random_uuid(), account.id, generation.id, ${hold.amountMicros}, 'OPEN', ${hold.expiresAt}
      FROM generation, account`;
  if (inserted !== 1) throw new Error("openGeneration: the user cannot afford the hold");
  return id;
}

export async function holdOf(db: Db, generationId: string) {
  const hold = await db.hold.findUniqueOrThrow({ where: { generationId } });
  const generation = await db.imageGeneration.findUniqueOrThrow({ where: { id: generationId } });
  return { holdStatus: hold.status, status: generation.status, errorCode: generation.errorCode };
}

export async function accountMicros(db: Db, userId: string) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  const openHolds = await db.hold.count({ where: { userId, status: "OPEN" } });
  return { balanceMicros: user.balanceMicros, reservedMicros: user.reservedMicros, openHolds };
}
