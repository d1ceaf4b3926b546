import Table from "cli-table3";
import pc from "picocolors";

/** How results are printed: a table for people, JSON for scripts. */
export type OutputFormat = "table" | "json";

/** Something a command prints: a titled table, and the object its JSON form shows. */
export interface CommandOutput {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly json: unknown;
}

/** Where output goes; tests pass buffers. */
export interface OutputStreams {
  readonly stdout: { write(chunk: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(chunk: string): unknown; readonly isTTY?: boolean };
}

/** Prints `output` in `format`: 2-space indented JSON with stable keys, or a table at most 80 columns wide. */
export function printOutput(output: CommandOutput, format: OutputFormat, streams: OutputStreams): void {
  if (format === "json") {
    streams.stdout.write(`${JSON.stringify(output.json, null, 2)}\n`);
    return;
  }
  const width = Math.min(streams.stdout.columns ?? 80, 80);
  const color = streams.stdout.isTTY === true;
  if (output.title) streams.stdout.write(`${output.title}\n`);
  if (output.rows.length === 0) return;
  const table = new Table({
    head: [...output.columns],
    colWidths: columnWidths(output, width),
    wordWrap: true,
    wrapOnWordBoundary: false,
    style: { head: color ? ["bold"] : [], border: [], compact: false },
  });
  for (const row of output.rows) {
    table.push(row.map((cell, i) => (i === 0 && color ? pc.cyan(cell) : cell)));
  }
  streams.stdout.write(`${table.toString()}\n`);
}

// Natural widths, shrunk (widest columns first) until the table fits `width` including borders.
function columnWidths(output: CommandOutput, width: number): number[] {
  const cells = [output.columns, ...output.rows];
  const widths = output.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)) + 2);
  const borders = output.columns.length + 1;
  while (widths.reduce((a, b) => a + b, 0) + borders > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 6) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}
