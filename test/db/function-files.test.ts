import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { functionsDir, readFunctionDefinitions, renderFunctionFiles } from "../../src/db/function-files";
import { createTestDatabase, type TestDatabase } from "../support/database";

// The committed prisma/functions/*.sql must be what `npm run functions:emit` writes from the migrated database:
// when one of these fails, run it and commit the files.
describe("prisma/functions", () => {
  let database: TestDatabase;
  let rendered: Map<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    rendered = renderFunctionFiles(await readFunctionDefinitions(database.databaseUrl));
  });

  afterAll(async () => {
    await database.drop();
  });

  it("has one file for every function in the migrated database, and no other", async () => {
    const committed = (await readdir(functionsDir())).filter((name) => name.endsWith(".sql")).sort();

    expect(committed).toEqual([...rendered.keys()].sort());
    expect(committed.length).toBeGreaterThan(0);
  });

  it("holds each function's current text, byte for byte", async () => {
    const committed = new Map<string, string>();
    for (const name of rendered.keys()) {
      committed.set(name, await readFile(path.join(functionsDir(), name), "utf8").catch(() => "(missing)"));
    }

    expect(Object.fromEntries(committed)).toEqual(Object.fromEntries(rendered));
  });
});
