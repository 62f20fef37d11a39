// Every action the audit log records, in the API's words (the mutation that made the change). recordAudit takes
// only these, so a new audited change is added here first, and the auditLog filter can refuse anything else.

export const AUDIT_ACTIONS = [
  "createApiKey",
  "createSessionKey",
  "createTeam",
  "createUser",
  "deleteTeam",
  "grantCredits",
  "refundGeneration",
  "removeBudget",
  "renameTeam",
  "revokeApiKey",
  "setAllowedModels",
  "setBudget",
  "setModelRoute",
  "setPrice",
  "setTokenPrice",
  "setUserActive",
  "setUserRateLimit",
  "setUserRole",
  "setUserTeam",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The GraphQL enum's values: each action is its own name. */
export const AuditAction = Object.fromEntries(AUDIT_ACTIONS.map((action) => [action, action])) as {
  [A in AuditAction]: A;
};

export const isAuditAction = (value: string): value is AuditAction =>
  (AUDIT_ACTIONS as readonly string[]).includes(value);
