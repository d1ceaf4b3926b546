/** Cell formatting exactly as the Python `tinker` CLI 0.4.1 prints sizes, times and booleans. */

const SIZE_UNITS = ["B", "KB", "MB", "GB", "TB", "PB"] as const;

/** `512 B`, `1.5 KB`, … (1024-based, one decimal above bytes); negative or missing → `N/A`. */
export function formatSize(bytes: number | null | undefined): string {
  // 0.4.1 crashes on a null size; printing N/A is the useful reading of its intent.
  if (bytes === null || bytes === undefined || bytes < 0) return "N/A";
  let value = bytes;
  for (const unit of SIZE_UNITS) {
    if (value < 1024) return unit === "B" ? `${Math.trunc(value)} B` : `${pyFixed1(value)} ${unit}`;
    value /= 1024;
  }
  return `${pyFixed1(value)} EB`;
}

// Python's `f"{x:.1f}"`: like toFixed(1) but exact ties round to even (3.25 → 3.2, not 3.3).
function pyFixed1(value: number): string {
  const exact = value.toFixed(40);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 2);
  if (!/^50*$/.test(rest)) return value.toFixed(1);
  const tenths = Number(exact.slice(0, dot + 2).replace(".", ""));
  const rounded = tenths % 2 === 0 ? tenths : tenths + 1;
  return (rounded / 10).toFixed(1);
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"} ago`;
}

/**
 * A relative age like 0.4.1's `format_timestamp`: dates older than 30 days as `YYYY-MM-DD`, then
 * weeks, days, hours, minutes (strictly greater-than at each step) or `just now`.
 */
export function formatTimestamp(value: string | Date | null | undefined, now: Date = new Date()): string {
  if (!value) return "N/A";
  const date = typeof value === "string" ? parseTimestamp(value) : value;
  if (date === null) return String(value);
  const deltaSeconds = Math.floor((now.getTime() - date.getTime()) / 1000);
  // Python's timedelta: days may be negative, seconds is always in [0, 86400).
  const days = Math.floor(deltaSeconds / 86400);
  const seconds = deltaSeconds - days * 86400;
  if (days > 30) return date.toISOString().slice(0, 10);
  if (days > 7) return plural(Math.floor(days / 7), "week");
  if (days > 0) return plural(days, "day");
  if (seconds > 3600) return plural(Math.floor(seconds / 3600), "hour");
  if (seconds > 60) return plural(Math.floor(seconds / 60), "minute");
  return "just now";
}

// ISO 8601 with or without zone; a naive time is UTC, as 0.4.1 assumes.
function parseTimestamp(text: string): Date | null {
  const hasZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(text);
  const ms = Date.parse(hasZone ? text : `${text}Z`);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** `Yes` / `No`. */
export function formatBool(value: boolean | null | undefined): string {
  return value ? "Yes" : "No";
}
