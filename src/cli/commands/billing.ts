/**
 * `billing usage STARTING_ON ENDING_BEFORE`: the hourly usage rows of a window, as the 0.25.0 CLI
 * prints them. Table and CSV rows are the events with `event_info` flattened in (columns: the
 * union of fields, in first-seen order, blank where a field does not apply); JSON keeps the nested
 * shape and the sessions table. `--csv` / `--sessions-csv` write CSV to a file or `-` (stdout).
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { BillingUsageResponse } from "../../types/index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import type { CommandOutput } from "../output.js";
import { printOutput } from "../output.js";
import type { Runner } from "./shared.js";

type Row = Record<string, unknown>;

/** Rows with a nested `event_info` object merged into the row. */
export function flattenUsageRows(rows: readonly Row[]): Row[] {
  return rows.map((row) => {
    const info = row.event_info;
    if (info === null || typeof info !== "object") return { ...row };
    const { event_info: _, ...rest } = row;
    return { ...rest, ...(info as Row) };
  });
}

function columnsOf(rows: readonly Row[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

/** A cell as Python's `str()` shows it; null and absent are blank. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "True" : "False";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** CSV as Python's csv module writes it (minimal quoting, CRLF line ends). */
export function toCsv(rows: readonly Row[]): string {
  const cols = columnsOf(rows);
  const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [cols.map(field).join(","), ...rows.map((r) => cols.map((c) => field(cell(r[c]))).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

/** The table and JSON of `billing usage`. */
export function billingUsageOutput(usage: BillingUsageResponse): CommandOutput {
  const flat = flattenUsageRows(usage.data as unknown as Row[]);
  const columns = columnsOf(flat);
  return {
    title: flat.length === 0 ? "No billing usage in this window" : `${flat.length} hourly usage row(s)`,
    columns,
    rows: flat.map((r) => columns.map((c) => cell(r[c]))),
    json: { data: usage.data, sessions: usage.sessions },
  };
}

function writeCsv(ctx: CliContext, rows: Row[], path: string): void {
  const text = toCsv(rows);
  if (path === "-") {
    ctx.streams.stdout.write(text);
    return;
  }
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new CliError(`Failed to write ${path}: ${(err as Error).message}`);
  }
  ctx.streams.stderr.write(`Wrote ${rows.length} row(s) to ${path}\n`);
}

/** Adds `billing usage`. */
export function addBillingCommands(program: Command, run: Runner): void {
  const group = program.command("billing").description("View billing usage.");
  group
    .command("usage")
    .description(
      "Show hourly billing usage of your organization between two RFC 3339 times on UTC hour boundaries (at most 14 days apart)",
    )
    .argument("<starting-on>", "Inclusive window start, e.g. 2026-07-13T00:00:00Z")
    .argument("<ending-before>", "Exclusive window end")
    .option("--csv <path>", "Write usage rows as CSV to PATH instead of table/JSON output ('-' for stdout)")
    .option(
      "--sessions-csv <path>",
      "Also write the per-session table (session_id, user_metadata) as CSV to PATH",
    )
    .action((start: string, end: string, opts: { csv?: string; sessionsCsv?: string }) =>
      run(async (ctx) => {
        const usage = await (await ctx.rest()).getBillingUsage(start, end);
        if (opts.sessionsCsv !== undefined) {
          const rows = Object.entries(usage.sessions).map(([session_id, s]) => ({
            session_id,
            user_metadata: s.user_metadata == null ? null : JSON.stringify(s.user_metadata),
          }));
          writeCsv(ctx, rows, opts.sessionsCsv);
        }
        if (opts.csv !== undefined) writeCsv(ctx, flattenUsageRows(usage.data as unknown as Row[]), opts.csv);
        if (opts.csv === undefined && opts.sessionsCsv === undefined) {
          printOutput(billingUsageOutput(usage), ctx.format, ctx.streams, ctx.tableStyle);
        }
      }),
    );
}
