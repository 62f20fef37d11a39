import "reflect-metadata";
import "./enums";
import path from "node:path";
import { DateTimeResolver } from "graphql-scalars";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AccountResolver } from "./account/account.resolver";
import { UserResolver } from "./account/user.resolver";
import { authChecker } from "./auth-checker";
import { GenerationResolver } from "./generation/generation.resolver";
import { ImageResolver } from "./generation/image.resolver";
import { LedgerResolver } from "./ledger/ledger.resolver";
import { PricingResolver } from "./pricing/pricing.resolver";

export const RESOLVERS = [
  AccountResolver,
  UserResolver,
  GenerationResolver,
  ImageResolver,
  LedgerResolver,
  PricingResolver,
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
