import type { Command } from "commander";
import type { TrainingRun } from "../../types/index.js";
import type { CliContext } from "../context.js";
import { formatTimestamp } from "../format.js";
import { type CommandOutput, printOutput } from "../output.js";
import { fetchPages } from "../pagination.js";
import { parseLimit, type Runner } from "./shared.js";

function moreNotShown(total: number, shown: number): string {
  const more = total - shown;
  return more > 0 ? ` (${more} more not shown, use --limit to see more)` : "";
}

function loraCell(run: TrainingRun): string {
  if (run.is_lora && run.lora_rank) return `Rank ${run.lora_rank}`;
  return run.is_lora ? "Yes" : "No";
}

/** `run list` output as 0.4.1 titles and columns it. */
export function runListOutput(runs: readonly TrainingRun[], totalCount: number): CommandOutput {
  const n = runs.length;
  const title =
    n === 0
      ? "No training runs found"
      : `${n} training run${n === 1 ? "" : "s"}${moreNotShown(totalCount, n)}`;
  return {
    title,
    columns: ["Run ID", "Base Model", "Owner", "LoRA", "Last Update", "Corrupted"],
    rows: runs.map((r) => [
      r.training_run_id,
      r.base_model,
      r.model_owner,
      loraCell(r),
      formatTimestamp(r.last_request_time),
      r.corrupted ? "True" : "False",
    ]),
    json: { runs },
  };
}

/** `run info` output: one property per row, checkpoints and metadata indented as 0.4.1 does. */
export function runInfoOutput(run: TrainingRun): CommandOutput {
  const lora = run.is_lora ? (run.lora_rank ? `Yes (Rank ${run.lora_rank})` : "Yes") : "No";
  const rows: string[][] = [
    ["Run ID", run.training_run_id],
    ["Base Model", run.base_model],
    ["Owner", run.model_owner],
    ["LoRA", lora],
    ["Last Update", formatTimestamp(run.last_request_time)],
    ["Status", run.corrupted ? "Corrupted" : "Active"],
  ];
  for (const [label, ckpt] of [
    ["Last Training Checkpoint", run.last_checkpoint],
    ["Last Sampler Checkpoint", run.last_sampler_checkpoint],
  ] as const) {
    if (!ckpt) continue;
    rows.push(
      [label, ckpt.checkpoint_id],
      ["  - Time", formatTimestamp(ckpt.time)],
      ["  - Path", ckpt.tinker_path],
    );
  }
  const metadata = Object.entries(run.user_metadata ?? {});
  if (metadata.length > 0) {
    rows.push(["Metadata", ""]);
    for (const [k, v] of metadata) rows.push([`  - ${k}`, String(v)]);
  }
  return { title: `Training Run: ${run.training_run_id}`, columns: ["Property", "Value"], rows, json: run };
}

/** Adds `run list` and `run info`. */
export function addRunCommands(program: Command, run: Runner): void {
  const group = program.command("run").description("Manage training runs.");
  group
    .command("list")
    .description("List training runs")
    .option("--limit <n>", "Maximum number of runs to fetch (default: 20, use --limit=0 to fetch all)", "20")
    .action((opts: { limit: string }) =>
      run(async (ctx: CliContext) => {
        const limit = parseLimit(opts.limit);
        const rest = await ctx.rest();
        const { items, totalCount } = await fetchPages(
          limit,
          100,
          `Fetching ${limit > 0 ? limit : "all"} training runs`,
          async (pageLimit, offset) => {
            const page = await rest.listTrainingRuns({ limit: pageLimit, offset });
            return { items: page.training_runs, totalCount: page.cursor?.total_count ?? null };
          },
          ctx.streams,
        );
        printOutput(runListOutput(items, totalCount), ctx.format, ctx.streams, ctx.tableStyle);
      }),
    );
  group
    .command("info")
    .description("Show details of a training run")
    .argument("<run-id>", "Training run ID")
    .action((runId: string) =>
      run(async (ctx: CliContext) => {
        const rest = await ctx.rest();
        printOutput(runInfoOutput(await rest.getTrainingRun(runId)), ctx.format, ctx.streams, ctx.tableStyle);
      }),
    );
}
