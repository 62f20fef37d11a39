import { createApiKey } from "../domain/accounts/api-keys";
import { createUser } from "../domain/accounts/users";
import type { Db } from "../domain/db";
import { Role } from "../domain/enums";
import { badInput } from "../domain/errors";
import { grantCredits } from "../domain/ledger/grants";
import { parseMoney } from "../domain/money";

export interface CreateUserOptions {
  email: string;
  role: string;
  credits?: string;
}

/** A user, its first API key and, optionally, its first credits: all or nothing. */
export async function createUserWithKey(db: Db, options: CreateUserOptions) {
  const role = Object.values(Role).find((value) => value === options.role.toUpperCase());
  if (role === undefined) throw badInput("role", `role must be one of ${Object.values(Role).join(", ")}`);
  const creditsMicros = options.credits === undefined ? 0n : parseMoney(options.credits);
  if (creditsMicros < 0n) throw badInput("credits", "credits must not be negative");

  return db.$transaction(async (tx) => {
    const user = await createUser(tx, { actorId: null, email: options.email, role });
    const key = await createApiKey(tx, { actorId: null, userId: user.id, name: "created by the cli" });
    if (creditsMicros > 0n) {
      await grantCredits(tx, {
        actorId: null,
        userId: user.id,
        amountMicros: creditsMicros,
        reason: "initial credits (cli)",
      });
    }
    return { userId: user.id, apiKey: key.secret };
  });
}
