import { describe, expect, it } from "vitest";
import { formatBool, formatSize, formatTimestamp } from "../../src/cli/format.js";
import { printOutput, tableStyle } from "../../src/cli/output.js";

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
  const PATH = "tinker://run-with-a-rather-long-identifier-0123456789/weights/checkpoint-000000000001";
  const wide = {
    columns: ["Checkpoint ID", "Time", "Path"],
    rows: [
      ["weights/checkpoint-000000000001", "2025-11-03 14:02:11", PATH],
      ["sampler_weights/final", "2025-11-03 14:09:54", "tinker://run/sampler_weights/final"],
    ],
    json: {},
  };
  const tty = (columns: number) => ({
    stdout: { write: (s: string) => (out += s), isTTY: true, columns },
    stderr: { write: () => true },
  });
  let out = "";
  const ESC = String.fromCharCode(27);

  it("keeps every id and tinker:// path whole on one line, on any terminal width", () => {
    for (const columns of [60, 80, 120, 200]) {
      out = "";
      printOutput(wide, "table", tty(columns), tableStyle(tty(columns), { NO_COLOR: "1" }));
      const lines = out.trimEnd().split("\n");
      expect(
        lines.some((l) => l.includes(PATH)),
        `${columns} columns`,
      ).toBe(true);
      expect(lines.some((l) => l.includes("weights/checkpoint-000000000001"))).toBe(true);
      // Times wrap at their space, never inside the date or the clock.
      expect(out).not.toMatch(/2025-11-0(?!3)|14:0(?![29]:)/);
    }
  });

  it("uses the terminal's width: on 200 columns nothing wraps; on 120 the table fits", () => {
    out = "";
    printOutput(wide, "table", tty(200), tableStyle(tty(200)));
    const rows200 = out.trimEnd().split("\n");
    expect(rows200.length).toBe(7); // top, header, separator, 2 rows with a separator, bottom
    out = "";
    printOutput(output, "table", tty(120), tableStyle(tty(120)));
    for (const line of out.trimEnd().split("\n"))
      expect(line.replaceAll(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "").length).toBeLessThanOrEqual(120);
  });

  it("wraps nothing when stdout is not a terminal, and colours nothing", () => {
    const c = capture();
    printOutput(wide, "table", c.streams);
    expect(c.text()).toContain(PATH);
    expect(c.text()).toContain("2025-11-03 14:02:11");
    expect(c.text()).not.toContain(ESC);
    expect(c.text().replace(/[\s│|]/g, "")).toContain("sampler_weights/final");
  });

  it("colours a TTY unless NO_COLOR is set, and never splits a colour code", () => {
    expect(tableStyle(tty(80), {})).toEqual({ width: 80, color: true });
    expect(tableStyle(tty(80), { NO_COLOR: "1" })).toEqual({ width: 80, color: false });
    expect(tableStyle(capture().streams, {})).toEqual({ width: undefined, color: false });
    out = "";
    printOutput(wide, "table", tty(60), { width: 60, color: true });
    // Every escape sequence is whole: ESC [ digits m.
    const escapes = out.split(ESC).slice(1);
    expect(out).toContain(`${ESC}[36mweights/checkpoint-000000000001${ESC}[39m`);
    expect(escapes.length).toBeGreaterThan(0);
    for (const e of escapes) expect(e).toMatch(/^\[[0-9;]*m/);
  });
  it("prints only the title when there are no rows", () => {
    const c = capture();
    printOutput({ ...output, rows: [] }, "table", c.streams);
    expect(c.text()).toBe("2 things\n");
  });
});
