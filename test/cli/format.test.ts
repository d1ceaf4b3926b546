import { describe, expect, it } from "vitest";
import { formatBool, formatSize, formatTimestamp } from "../../src/cli/format.js";
import { printOutput } from "../../src/cli/output.js";

describe("formatSize (0.4.1 output.format_size)", () => {
  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1023, "1023 B"],
    [1024, "1.0 KB"],
    [1536, "1.5 KB"],
    [5 * 1024 * 1024, "5.0 MB"],
    [3.25 * 1024 ** 3, "3.2 GB"], // Python's .1f rounds an exact tie to even
    [1.15 * 1024, "1.1 KB"],
    [1024 ** 5, "1.0 PB"],
    [1024 ** 6, "1.0 EB"],
    [-1, "N/A"],
  ])("%d → %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
  it("prints N/A for a missing size where 0.4.1 crashes with a TypeError (deliberate deviation)", () => {
    expect(formatSize(null)).toBe("N/A");
  });
});

describe("formatTimestamp (0.4.1 output.format_timestamp)", () => {
  const now = new Date("2026-01-31T12:00:00Z");
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
  it.each([
    [30, "just now"],
    [60, "just now"],
    [61, "1 minute ago"],
    [3600, "60 minutes ago"], // strict > 3600, as in 0.4.1
    [3601, "1 hour ago"],
    [7200, "2 hours ago"],
    [86400, "1 day ago"],
    [7 * 86400, "7 days ago"],
    [8 * 86400, "1 week ago"],
    [30 * 86400, "4 weeks ago"],
  ])("%d s ago → %s", (s, text) => {
    expect(formatTimestamp(ago(s), now)).toBe(text);
  });
  it("prints dates older than 30 days, N/A for nothing, and unparseable text as is", () => {
    expect(formatTimestamp("2025-12-01T00:00:00Z", now)).toBe("2025-12-01");
    expect(formatTimestamp(null, now)).toBe("N/A");
    expect(formatTimestamp("yesterday-ish", now)).toBe("yesterday-ish");
  });
  it("takes a naive timestamp as UTC and shows a future one like Python's negative timedelta", () => {
    expect(formatTimestamp("2026-01-31T11:00:00", now)).toBe("60 minutes ago");
    expect(formatTimestamp("2026-01-31T13:00:00Z", now)).toBe("23 hours ago");
  });
  it("formats booleans as Yes/No", () => {
    expect([formatBool(true), formatBool(false), formatBool(null)]).toEqual(["Yes", "No", "No"]);
  });
});

describe("printOutput", () => {
  const capture = () => {
    let out = "";
    return {
      streams: { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } },
      text: () => out,
    };
  };
  const output = {
    title: "2 things",
    columns: ["ID", "Path"],
    rows: [
      ["a", "tinker://run-with-a-rather-long-identifier-0123456789/weights/checkpoint-000000000001"],
      ["b", "short"],
    ],
    json: { things: [{ id: "a" }, { id: "b" }], note: "é" },
  };
  it("prints indented JSON that parses back", () => {
    const c = capture();
    printOutput(output, "json", c.streams);
    expect(JSON.parse(c.text())).toEqual(output.json);
    expect(c.text()).toContain('\n  "things"');
  });
  it("fits tables in 80 columns, wrapping long cells", () => {
    const c = capture();
    printOutput(output, "table", c.streams);
    const lines = c.text().trimEnd().split("\n");
    expect(lines[0]).toBe("2 things");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(c.text().replace(/[\s│|]/g, "")).toContain("short");
  });
  it("prints only the title when there are no rows", () => {
    const c = capture();
    printOutput({ ...output, rows: [] }, "table", c.streams);
    expect(c.text()).toBe("2 things\n");
  });
});
