import "reflect-metadata";
import "./enums";
import path from "node:path";
import { DateTimeResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AccountResolver } from "./account/account.resolver";
import { RateLimitResolver } from "./account/rate-limit.resolver";
import { UserResolver } from "./account/user.resolver";
import { BudgetAlertsResolver } from "./alerts/budget-alerts.resolver";
import { AuditResolver } from "./audit/audit.resolver";
import { authChecker } from "./auth-checker";
import { BudgetResolver } from "./budgets/budget.resolver";
import { TeamResolver } from "./teams/team.resolver";
import { GenerationResolver } from "./generation/generation.resolver";
import { ImageResolver } from "./generation/image.resolver";
import { EditImageResolver } from "./generation/edit-image.resolver";
import { GenerationSourceResolver, GenerationSourcesResolver } from "./generation/generation-sources.resolver";
import { LedgerResolver } from "./ledger/ledger.resolver";
import { PricingResolver } from "./pricing/pricing.resolver";
import { ModelsResolver } from "./pricing/models.resolver";
import { SpendReportResolver } from "./reports/spend-report.resolver";

export const RESOLVERS = [
  AccountResolver,
  UserResolver,
  RateLimitResolver,
  GenerationResolver,
  ImageResolver,
  GenerationSourcesResolver,
  GenerationSourceResolver,
  EditImageResolver,
  LedgerResolver,
  PricingResolver,
  ModelsResolver,
  BudgetResolver,
  TeamResolver,
  AuditResolver,
  BudgetAlertsResolver,
  SpendReportResolver,
] as const;

export const SCHEMA_FILE = path.resolve(__dirname, "../../schema.graphql");

export function buildImagegateSchema(options: { emitSchemaFile?: string } = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVERS],
    authChecker,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile:
      options.emitSchemaFile === undefined ? false : { path: options.emitSchemaFile, sortedSchema: false },
  });
}
