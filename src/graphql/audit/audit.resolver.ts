import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { listAuditLog } from "../../domain/audit/audit-log";
import { encodeCursor } from "../../domain/pagination";
import { toConnection } from "../connection";
import type { GraphQLContext } from "../context";
import { AuditLogConnection, AuditLogEntryType } from "./audit-entry.type";

@Resolver(() => AuditLogEntryType)
export class AuditResolver {
  @Authorized("ADMIN")
  @Query(() => AuditLogConnection, { description: "Newest first; filter by the changed object or by action." })
  async auditLog(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("targetId", () => ID, { nullable: true }) targetId?: string | null,
    @Arg("action", () => String, { nullable: true }) action?: string | null,
  ) {
    const page = await listAuditLog(ctx.services.db, { first, after, targetId, action });
    return toConnection(page, (entry) => entry, encodeCursor);
  }
}
