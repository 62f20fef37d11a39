import { registerEnumType } from "type-graphql";
import { AuditAction } from "../../domain/audit/audit-actions";

registerEnumType(AuditAction, {
  name: "AuditAction",
  description: "What an audit log entry records: the mutation that made the change.",
});

export { AuditAction };
