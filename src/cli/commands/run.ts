import { type Command, InvalidArgumentError } from "commander";
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

/** `--columns` of `run list` (the 0.25.0 CLI's names): header and cell of each. */
export const RUN_COLUMNS: Readonly<Record<string, readonly [string, (r: TrainingRun) => string, string]>> = {
  id: ["Run ID", (r) => r.training_run_id, "Training run ID"],
  model: ["Base Model", (r) => r.base_model, "Base model name"],
  owner: ["Owner", (r) => r.model_owner, "Model owner"],
  lora: ["LoRA", loraCell, "LoRA status and rank"],
  updated: ["Last Update", (r) => formatTimestamp(r.last_request_time), "Last request time"],
  status: ["Status", (r) => (r.corrupted ? "Failed" : "OK"), "Run status (OK or Failed)"],
  checkpoint: [
    "Last Checkpoint",
    (r) => r.last_checkpoint?.checkpoint_id ?? "None",
    "Most recent training checkpoint ID",
  ],
  checkpoint_time: [
    "Checkpoint Time",
    (r) => (r.last_checkpoint ? formatTimestamp(r.last_checkpoint.time) : "N/A"),
    "Time of last checkpoint",
  ],
};

/** The `--columns` list, checked: unknown names are a usage error naming the available ones. */
export function parseRunColumns(text: string): string[] {
  const names = text.split(",").map((c) => c.trim());
  const unknown = names.filter((c) => !(c in RUN_COLUMNS));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown column(s): ${unknown.join(", ")}. Available: ${Object.keys(RUN_COLUMNS).join(", ")}`,
    );
  }
  return names;
}

/** `run list` output with chosen columns (the table only; JSON shows the runs as always). */
export function runListColumnsOutput(
  base: CommandOutput,
  runs: readonly TrainingRun[],
  columns: readonly string[],
): CommandOutput {
  const picked = columns.map((c) => RUN_COLUMNS[c] as (typeof RUN_COLUMNS)[string]);
  return {
    ...base,
    columns: picked.map(([h]) => h),
    rows: runs.map((r) => picked.map(([, cell]) => cell(r))),
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
    .option(
      "-c, --columns <list>",
      `Columns to display (comma-separated): ${Object.entries(RUN_COLUMNS)
        .map(([k, [, , d]]) => `${k} (${d})`)
        .join(", ")}`,
      parseRunColumns,
    )
    .action((opts: { limit: string; columns?: string[] }) =>
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
        const output = runListOutput(items, totalCount);
        printOutput(
          opts.columns ? runListColumnsOutput(output, items, opts.columns) : output,
          ctx.format,
          ctx.streams,
          ctx.tableStyle,
        );
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
