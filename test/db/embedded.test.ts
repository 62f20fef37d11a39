import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runDbTool } from "./tools/run-db-tool";

interface Run {
  logs: string[];
  openMs: number;
  version: string;
  database: string;
  prices: number;
  keptTable: boolean;
  reachableAfterClose: boolean;
}

describe("the embedded PostgreSQL", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-embedded-test-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is created and migrated on first open, reused as it was on the next, and stopped by close()", async () => {
    const run = await runDbTool<{ runs: [Run, Run] }>("embedded", { dataDir });

    expect(run).toMatchObject({ ok: true, exitCode: 0 });
    const [first, second] = run.result.runs;
    expect(first.version).toMatch(/^PostgreSQL 18\./);
    expect(first.database).toBe("imagegate");
    expect(first.logs).toEqual(
      expect.arrayContaining([expect.stringMatching(/^creating a PostgreSQL cluster in .*postgres \(first run\)$/)]),
    );
    expect(first.logs).toEqual(expect.arrayContaining([expect.stringMatching(/^applied migrations: \d{14}_init/)]));
    expect(first.prices).toBe(148); // 28 first-contract prices, 5 gpt-image-2 models x 8 sizes x 3 qualities
    expect(first.reachableAfterClose).toBe(false);

    expect(second.logs.some((line) => line.startsWith("creating a PostgreSQL cluster"))).toBe(false);
    expect(second.logs).toContain("database schema is up to date");
    expect(second.keptTable).toBe(true);
    expect(second.prices).toBe(148);
    expect(second.reachableAfterClose).toBe(false);
  }, 120_000);
});
