import { spawn } from "node:child_process";
import path from "node:path";
import { childOutput } from "../../../src/child-output";

const ROOT = path.resolve(__dirname, "../../..");
const TOOL = path.join(__dirname, "db-tool.ts");

export interface DbToolRun<T> {
  ok: boolean;
  result: T;
  error?: string;
  exitCode: number | null;
  /**
   * From its answer to its exit: what a timer or handle left behind would add (the engine's would add about ten
   * seconds). Node's start-up and the work, which a busy machine stretches, are not in it.
   */
  exitAfterAnswerMs: number;
  stderr: string;
}

/** Runs one db-tool command in a fresh Node process (outside jest's sandbox) and parses its JSON answer. */
export function runDbTool<T = unknown>(
  command: string,
  args: Record<string, string | undefined>,
): Promise<DbToolRun<T>> {
  const env = { ...process.env };
  delete env.DATABASE_URL; // the tool is told its database explicitly, never by the environment
  const child = spawn(process.execPath, ["-r", "@swc-node/register", TOOL, command, JSON.stringify(args)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let lastOutputMs = Date.now();
  child.stdout.on("data", () => (lastOutputMs = Date.now()));
  return childOutput(child).then(({ exitCode, stdout, stderr }) => {
    const lastLine = stdout.trim().split("\n").at(-1) ?? "";
    try {
      const answer = JSON.parse(lastLine) as { ok: boolean; result: T; error?: string };
      return { ...answer, exitCode, exitAfterAnswerMs: Date.now() - lastOutputMs, stderr };
    } catch {
      throw new Error(`db-tool ${command} printed no answer (exit ${exitCode}):\n${stdout}\n${stderr}`);
    }
  });
}
