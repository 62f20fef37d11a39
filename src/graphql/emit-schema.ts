// `npm run schema:emit`: writes schema.graphql, which is committed so that every schema change shows in review.
import { buildImagegateSchema, SCHEMA_FILE } from "./schema";

buildImagegateSchema({ emitSchemaFile: SCHEMA_FILE })
  .then(() => process.stdout.write(`wrote ${SCHEMA_FILE}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
