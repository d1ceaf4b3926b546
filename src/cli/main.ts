import { Command } from "commander";
import { VERSION } from "../version.js";

/** Builds the `tinker-ts` command tree; exported so tests can drive it in-process. */
export function buildProgram(): Command {
  const program = new Command("tinker-ts")
    .description("Tinker fine-tuning API: checkpoints, runs and a local emulator")
    .version(VERSION, "-v, --version");
  program
    .command("version")
    .description("Print the tinker-ts version")
    .action(() => {
      process.stdout.write(`tinker-ts ${VERSION}\n`);
    });
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  await buildProgram().parseAsync([...argv]);
  return 0;
}
