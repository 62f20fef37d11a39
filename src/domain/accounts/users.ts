import { recordAudit } from "../audit/audit-log";
import type { Tx } from "../db";
import { isUniqueViolation } from "../db";
import type { Role } from "../enums";
import { badInput } from "../errors";

// Deliberately loose: one @, something on each side, no spaces. Deliverability is not our business.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_LENGTH = 320;

export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(normalized) || normalized.length > MAX_EMAIL_LENGTH) {
    throw badInput("email", "email must look like name@example.com");
  }
  return normalized;
}

/** Creates a user; `actorId` null for the CLI. Audited in the caller's transaction. */
export async function createUser(tx: Tx, input: { actorId: string | null; email: string; role: Role }) {
  const email = normalizeEmail(input.email);
  try {
    const user = await tx.user.create({ data: { email, role: input.role } });
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "createUser",
      targetType: "User",
      targetId: user.id,
      after: user,
    });
    return user;
  } catch (error) {
    if (isUniqueViolation(error)) throw badInput("email", "a user with this email already exists");
    throw error;
  }
}
