import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { listAuditLog } from "../../domain/audit/audit-log";
import { AuditAction } from "./audit-action.enum";
import { encodeCursor } from "../../domain/pagination";
import { toConnection } from "../connection";
import type { GraphQLContext } from "../context";
import { AuditLogConnection, AuditLogEntryType } from "./audit-entry.type";

@Resolver(() => AuditLogEntryType)
export class AuditResolver {
  @Authorized("FINANCE", "ADMIN")
  @Query(() => AuditLogConnection, {
    description: "Newest first; filter by the changed object, by action, and by when: [from, to).",
  })
  async auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("targetId", () => ID, { nullable: true }) targetId?: string | null,
    @Arg("action", () => AuditAction, { nullable: true }) action?: AuditAction | null,
    @Arg("from", () => Date, { nullable: true, description: "Entries made at or after." }) from?: Date | null,
    @Arg("to", () => Date, { nullable: true, description: "Entries made before." }) to?: Date | null,
  ) {
    const page = await listAuditLog(ctx.services.db, { first, after, targetId, action, from, to });
    return toConnection(page, (entry) => entry, encodeCursor);
  }
}
