import { createApiKey } from "../domain/accounts/api-keys";
import { createUser, normalizeEmail } from "../domain/accounts/users";
import type { Db } from "../domain/db";
import { Role } from "../domain/enums";
import { badInput, notFound } from "../domain/errors";
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
    return { userId: user.id, apiKeyId: key.id, apiKey: key.secret };
  });
}

export interface CreateKeyOptions {
  email: string;
  name?: string;
  /** An ISO 8601 instant, e.g. 2027-01-31T00:00:00Z. */
  expiresAt?: string;
}

/** Another key for an existing user (found by email): for one whose key was lost. Audited with no actor. */
export async function createKeyForEmail(db: Db, options: CreateKeyOptions) {
  const expiresAt = options.expiresAt === undefined ? null : parseInstant(options.expiresAt);
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email: normalizeEmail(options.email) }, select: { id: true } });
    if (user === null) throw notFound("User");
    const name = options.name ?? "created by the cli";
    const key = await createApiKey(tx, { actorId: null, userId: user.id, name, expiresAt, now: new Date() });
    return { userId: user.id, apiKeyId: key.id, apiKey: key.secret, expiresAt: key.expiresAt };
  });
}

/** An instant with its offset (Z or ±hh:mm), so that a key never expires in whatever zone the shell is in. */
function parseInstant(text: string): Date {
  const at = new Date(text);
  if (!/(Z|[+-]\d{2}:\d{2})$/i.test(text) || Number.isNaN(at.getTime())) {
    throw badInput("expiresAt", "--expires-at must be an ISO 8601 instant with its offset, e.g. 2027-01-31T00:00:00Z");
  }
  return at;
}
