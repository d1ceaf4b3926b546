import { InvalidArgumentError } from "commander";
import type { CliContext } from "../context.js";
import { CliError, EXIT } from "../errors.js";

/** Runs a command body with the invocation's context (set up and torn down by the program). */
export type Runner = (body: (ctx: CliContext) => Promise<void>) => Promise<void>;

/** A non-negative integer `--limit`; negative values behave like 0 (all), as in 0.4.1. */
export function parseLimit(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new InvalidArgumentError(`'${text}' is not a valid integer.`);
  return Math.max(0, Number.parseInt(text, 10));
}

/** Refuses a checkpoint argument that is not a `tinker://` path, with 0.4.1's message. */
export function requireTinkerPath(path: string): void {
  if (!path.startsWith("tinker://"))
    throw new CliError(
      `Invalid checkpoint path: ${path}`,
      "Checkpoint path must be in the format: tinker://run-id/weights/0001",
      EXIT.usage,
    );
}
