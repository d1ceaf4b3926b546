/** A small ASCII line chart, so examples can show a loss curve in any terminal. */
export function asciiPlot(
  values: readonly number[],
  options: { height?: number; width?: number } = {},
): string {
  if (values.length === 0) return "(no data)";
  const height = options.height ?? 10;
  const width = Math.min(options.width ?? 60, values.length);
  // Average the series into `width` columns.
  const cols = Array.from({ length: width }, (_, c) => {
    const from = Math.floor((c * values.length) / width);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / width));
    const part = values.slice(from, to);
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  const max = Math.max(...cols);
  const min = Math.min(...cols);
  const span = max - min || 1;
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const level = min + (span * r) / (height - 1);
    const label = level.toFixed(3).padStart(8);
    const line = cols.map((v) => (Math.round(((v - min) / span) * (height - 1)) === r ? "•" : " ")).join("");
    rows.push(`${label} ┤${line}`);
  }
  rows.push(`${" ".repeat(8)} └${"─".repeat(width)}`);
  return rows.join("\n");
}
