import { spawn } from "node:child_process";
import { childOutput } from "../child-output";

/**
 * Runs `cli migrate` in a short-lived child process on `databaseUrl` and returns the names it applied. For the
 * server: the schema engine keeps ~80 MB resident in whichever process loads it, for that process's life.
 * The child runs on this process's runtime flags (e.g. a TypeScript loader); its progress lines go to `log`.
 */
export function applyMigrationsInChildProcess(databaseUrl: string, log: (line: string) => void): Promise<string[]> {
  const cli = require.resolve("../cli/main");
  const child = spawn(process.execPath, [...process.execArgv, cli, "migrate"], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return childOutput(child).then(({ exitCode, stdout, stderr }) => {
    const progress = stderr.split("\n").filter((line) => line.trim() !== "");
    if (exitCode !== 0) throw new Error(`migrations failed (exit ${exitCode}): ${progress.slice(-5).join(" | ")}`);
    progress.forEach(log);
    return stdout.split("\n").filter((line) => line.trim() !== "");
  });
}
