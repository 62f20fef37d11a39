import type { ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";

/** What a child process printed, and how it exited. */
export interface ChildOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Collects a spawned child's stdout and stderr until it exits; rejects only when it could not be started. */
export function childOutput(child: ChildProcessByStdio<null, Readable, Readable>): Promise<ChildOutput> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}
