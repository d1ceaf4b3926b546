/** Runs the built CLI (`dist/src/cli/bin.js`; `npm test` builds it first) as a child process. */
import { execFile } from "node:child_process";

/** Path of the built CLI entry point. */
export const BIN = new URL("../../dist/src/cli/bin.js", import.meta.url).pathname;

/** Exit code and output of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tinker-ts ARGS` with exactly `env` (plus PATH; `undefined` values removed) in `cwd`,
 * writing `input` to its stdin. Killed after 15 s so that a hang fails instead of stalling the suite.
 */
export async function runBuiltCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  cwd: string,
  input?: string,
): Promise<CliResult> {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...env };
  for (const [k, v] of Object.entries(fullEnv)) if (v === undefined) delete fullEnv[k];
  const child = execFile(process.execPath, [BIN, ...args], { env: fullEnv, cwd, timeout: 15_000 });
  child.stdin?.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}
