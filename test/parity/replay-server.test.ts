/**
 * Self-tests of the parity machinery: a "perfect client" re-sends each transcript's own requests
 * through undici and must pass; mutated requests must fail with a readable difference.
 */
import { randomUUID } from "node:crypto";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { datumWire, expandChunkingArray, smallDatum } from "./chunking-data.js";
import { loadTranscript, type Json, type ScenarioName, type TranscriptLine } from "./golden.js";
import { isArraySummary, pyArraySha256, pyFloatRepr } from "./py-json.js";
import { CompareContext, compareRequest } from "./compare.js";
import { type ReplayOptions, ReplayServer } from "./replay-server.js";

const SCENARIOS: ScenarioName[] = [
  "service_basics",
  "training_loop",
  "chunking",
  "sampling",
  "retries",
  "futures",
  "rest",
  "telemetry",
  "telemetry_disabled",
  "heartbeat",
  "ordering",
  "lowlevel",
];

const ENV_KEY_LINES: Record<string, number[]> = { service_basics: [4, 5] };
const keyFor = (scenario: string) => (seq: number) =>
  ENV_KEY_LINES[scenario]?.includes(seq) ? "tml-ENVKEY" : "tml-TESTKEY";

/** Rebuilds the chunking request arrays the transcript only summarises. */
function expandRequest(value: Json, line: TranscriptLine): Json {
  if (isArraySummary(value)) {
    const first = value.head[0];
    if (typeof first === "number")
      return Array.from({ length: value.__array__ }, (_, j) => (j + first) % 100);
    const start = line.seq === 6 ? 128 : 0;
    return Array.from({ length: value.__array__ }, (_, i) => datumWire(smallDatum(start + i)));
  }
  if (Array.isArray(value)) return value.map((v) => expandRequest(v, line));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandRequest(v, line)]));
  }
  return value;
}

interface Mutation {
  headers?: (h: Record<string, string | string[]>) => void;
  body?: (b: Json) => Json;
  path?: string;
}

/** Sends a transcript line the way Python did (placeholders filled in, our own idempotency keys). */
async function sendLine(
  baseUrl: string,
  line: TranscriptLine,
  keys: Map<string, string>,
  apiKey: string,
  m: Mutation = {},
): Promise<number> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(line.headers)) {
    if (["host", "connection", "content-length"].includes(name)) continue;
    if (value === "<api-key>") headers[name] = apiKey;
    else if (value === "<float>") headers[name] = "0.012";
    else if (name === "x-idempotency-key" && typeof value === "string") {
      if (!keys.has(value)) keys.set(value, `stainless-node-retry-${randomUUID()}`);
      headers[name] = keys.get(value) as string;
    } else headers[name] = value;
  }
  m.headers?.(headers);
  let body = line.body === null ? undefined : expandRequest(line.body, line);
  if (body !== undefined && m.body) body = m.body(body);
  const query = line.query === "" ? "" : `?${line.query}`;
  const res = await request(`${baseUrl}${m.path ?? line.path}${query}`, {
    method: line.method as "GET" | "POST" | "DELETE",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.text();
  return res.statusCode;
}

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(name: ScenarioName, extra: Partial<ReplayOptions> = {}): Promise<ReplayServer> {
  server = await ReplayServer.start(name, {
    apiKey: keyFor(name),
    expandArray: expandChunkingArray,
    delayMs: () => 1,
    ...extra,
  });
  return server;
}

describe("replay server + comparator on the transcripts' own requests", () => {
  it.each(SCENARIOS)("%s: a faithful replay passes with no difference", async (name) => {
    const s = await start(name);
    const keys = new Map<string, string>();
    for (const line of s.lines) {
      const status = await sendLine(s.baseUrl, line, keys, keyFor(name)(line.seq));
      expect(status).toBe(line.response.status);
    }
    expect(s.report()).toEqual([]);
  });
});

describe("the comparator can fail", () => {
  async function firstDiffs(name: ScenarioName, seq: number, m: Mutation): Promise<string[]> {
    const s = await start(name);
    const keys = new Map<string, string>();
    for (const line of s.lines.filter((l) => l.seq <= seq)) {
      await sendLine(s.baseUrl, line, keys, "tml-TESTKEY", line.seq === seq ? m : {});
    }
    return s.report().filter((d) => !d.endsWith("never sent"));
  }

  it("reports a changed body value with its JSON path", async () => {
    const diffs = await firstDiffs("training_loop", 6, {
      body: (b) => ({ ...(b as Record<string, Json>), seq_id: 3 }),
    });
    expect(diffs).toEqual(["training_loop.jsonl:6 POST /api/v1/optim_step: body.seq_id: expected 2, got 3"]);
  });

  it("reports a missing null field and an extra discriminator", async () => {
    const diffs = await firstDiffs("training_loop", 2, {
      body: (b) => {
        const { user_metadata: _drop, ...rest } = b as Record<string, Json>;
        return { ...rest, type: "create_model" };
      },
    });
    expect(diffs.join("\n")).toContain("body.user_metadata: missing (expected null)");
    expect(diffs.join("\n")).toContain('body.type: unexpected key (got "create_model")');
  });

  it("reports a wrong retry count, a GET idempotency key and a missing x-tinker header", async () => {
    const d1 = await firstDiffs("training_loop", 3, {
      headers: (h) => {
        h["x-stainless-retry-count"] = "1";
        delete h["x-tinker-request-type"];
      },
    });
    expect(d1.join("\n")).toContain('x-stainless-retry-count: expected "0", got "1"');
    expect(d1.join("\n")).toContain('x-tinker-request-type: missing (expected "CreateModel")');
    await server?.close();
    const d2 = await firstDiffs("service_basics", 2, {
      headers: (h) => {
        h["x-idempotency-key"] = "k";
      },
    });
    expect(d2.join("\n")).toContain("x-idempotency-key: Python sends none here");
  });

  it("reports a new idempotency key where Python reused one (HTTP-layer retry), and key reuse where it did not", async () => {
    const d1 = await firstDiffs("retries", 10, {
      headers: (h) => {
        h["x-idempotency-key"] = "a-fresh-key";
      },
    });
    expect(d1.join("\n")).toContain("now a different key a-fresh-key");
    await server?.close();
    const s = await start("retries");
    const keys = new Map<string, string>();
    for (const line of s.lines.filter((l) => l.seq <= 19)) {
      if (line.seq === 19)
        keys.set(
          line.headers["x-idempotency-key"] as string,
          keys.get("stainless-python-retry-<uuid#12>") ?? "",
        );
      await sendLine(s.baseUrl, line, keys, "tml-TESTKEY");
    }
    expect(s.report().join("\n")).toContain("was already used for recorded stainless-python-retry-<uuid#12>");
  });

  it("reports a wrong API key, a wrong accept set and a read timeout that differs numerically", async () => {
    const diffs = await firstDiffs("rest", 9, {
      headers: (h) => {
        h["x-api-key"] = "tml-OTHER";
        h["accept"] = "application/json";
        h["x-stainless-read-timeout"] = "60.5";
      },
    });
    const text = diffs.join("\n");
    expect(text).toContain('x-api-key: expected the test key "tml-TESTKEY"');
    expect(text).toContain("accept: expected");
    expect(text).toContain("x-stainless-read-timeout");
  });

  it("accepts Python's two accept headers as one comma-joined header", async () => {
    const diffs = await firstDiffs("rest", 9, {
      headers: (h) => {
        h["accept"] = "application/json, application/gzip";
      },
    });
    expect(diffs).toEqual([]);
  });

  it("compares header values as strings: '60.0' is not Python's '60'", async () => {
    const diffs = await firstDiffs("rest", 9, {
      headers: (h) => {
        h["x-stainless-read-timeout"] = "60.0";
      },
    });
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toContain('x-stainless-read-timeout: expected "60", got "60.0"');
  });

  it("reports a header Python does not send, one it sends that is missing, and content-length presence", async () => {
    const diffs = await firstDiffs("rest", 2, {
      headers: (h) => {
        h["x-extra"] = "1";
        delete h["x-stainless-package-version"];
      },
    });
    expect(diffs.join("\n")).toContain('x-extra: Python sends none here, got "1"');
    expect(diffs.join("\n")).toContain('x-stainless-package-version: missing (expected "0.4.1")');
    // rest.jsonl:13 is a DELETE without a body: Python sends no content-length there.
    const line = loadTranscript("rest").find((l) => l.seq === 13) as TranscriptLine;
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(line.headers)) headers[k] = Array.isArray(v) ? v : [v];
    headers["x-api-key"] = ["tml-TESTKEY"];
    const received = { method: line.method, path: line.path, query: "", headers, bodyText: "" };
    const ctx = new CompareContext("tml-TESTKEY");
    expect(compareRequest(line, received, ctx)).toEqual([]);
    headers["content-length"] = ["0"];
    expect(compareRequest(line, received, ctx)).toEqual(['content-length: Python sends none here, got "0"']);
  });

  it("reports a summarised array whose middle differs (sha256), and one of the wrong length", async () => {
    const mid = await firstDiffs("chunking", 5, {
      body: (b) => {
        const data = (b as { forward_backward_input: { data: Json[] } }).forward_backward_input.data;
        data[60] = datumWire({ tokens: [1, 1], targetTokens: [2, 2], weights: [1, 1] });
        return b;
      },
    });
    expect(mid.join("\n")).toContain("sha256 of the compact JSON differs");
    await server?.close();
    const len = await firstDiffs("chunking", 5, {
      body: (b) => {
        (b as { forward_backward_input: { data: Json[] } }).forward_backward_input.data.pop();
        return b;
      },
    });
    expect(len.join("\n")).toContain("expected 128 items, got 127");
  });

  it("reports requests out of order, unexpected requests and lines never sent", async () => {
    const s = await start("training_loop");
    const keys = new Map<string, string>();
    const lines = s.lines.filter((l) => l.seq <= 8);
    for (const line of [lines[0], lines[1], lines[2], lines[3], lines[5], lines[4]] as TranscriptLine[]) {
      await sendLine(s.baseUrl, line, keys, "tml-TESTKEY");
    }
    await sendLine(s.baseUrl, lines[5] as TranscriptLine, keys, "tml-TESTKEY", { path: "/api/v1/healthz" });
    const text = s.report().join("\n");
    expect(text).toContain("training_loop.jsonl:6 POST /api/v1/optim_step: order: arrived while line 5");
    expect(text).toContain("unexpected request");
    expect(text).toContain("training_loop.jsonl:7 POST /api/v1/retrieve_future: never sent");
  });

  it("checks order across the main and future streams, letting only a poll and its neighbour swap", async () => {
    const s = await start("training_loop");
    const keys = new Map<string, string>();
    const byseq = (n: number) => s.lines.find((l) => l.seq === n) as TranscriptLine;
    // Line 7 polls line 5's future: sent before lines 5 and 6. Line 6 is its neighbour (may swap),
    // line 5 is not.
    for (const n of [1, 2, 3, 4, 7]) await sendLine(s.baseUrl, byseq(n), keys, "tml-TESTKEY");
    const text = s.report().join("\n");
    expect(text).toContain("training_loop.jsonl:7 POST /api/v1/retrieve_future: order: arrived while line 5");
    expect(text).not.toContain("arrived while line 6");
  });

  it("reports requests the recording held in flight together that arrived one after another", async () => {
    const s = await start("ordering", { concurrent: [[15, 16, 17]], sequential: [[6, 7]] });
    const keys = new Map<string, string>();
    for (const line of s.lines) await sendLine(s.baseUrl, line, keys, "tml-TESTKEY");
    const text = s.report().join("\n");
    expect(text).toContain("concurrency: lines 15, 16, 17 were in flight together");
    expect(text).not.toContain("line 7 arrived while line 6");
  });

  it("matches concurrent samples by seq_id, whatever their arrival order", async () => {
    const s = await start("ordering");
    const keys = new Map<string, string>();
    const byseq = (n: number) => s.lines.find((l) => l.seq === n) as TranscriptLine;
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 15, 16, 20, 18, 19]) {
      await sendLine(s.baseUrl, byseq(n), keys, "tml-TESTKEY");
    }
    expect(s.report()).toEqual([]);
  });

  it("compares telemetry on meaning only and reports a wrong event sequence", async () => {
    const ok = await firstDiffs("telemetry", 3, {
      body: (b) => {
        const batch = b as { platform: string; events: Array<Record<string, Json>> };
        batch.platform = "linux";
        for (const e of batch.events) {
          const data = e["event_data"] as Record<string, Json> | undefined;
          if (data && "func" in data) data["func"] = "Transport.request";
          if (data && "exception" in data) data["exception"] = "a JavaScript message";
          if (data && "start_time" in data) data["start_time"] = 12.5;
        }
        return b;
      },
    });
    expect(ok).toEqual([]);
    await server?.close();
    const bad = await firstDiffs("telemetry", 3, {
      body: (b) => {
        const batch = b as { events: Array<Record<string, Json>> };
        (batch.events[2] as Record<string, Json>)["severity"] = "ERROR";
        ((batch.events[1] as Record<string, Json>)["event_data"] as Record<string, Json>)["status_code"] =
          500;
        return b;
      },
    });
    expect(bad.join("\n")).toContain('body.events[2].severity: expected "WARNING", got "ERROR"');
    expect(bad.join("\n")).toContain("body.events[1].event_data.status_code: expected 400, got 500");
    await server?.close();
    // Field by field: an extra event_data key, a renamed event and a wrong is_retryable all show.
    const more = await firstDiffs("telemetry", 3, {
      body: (b) => {
        const batch = b as { events: Array<Record<string, Json>> };
        const e1 = batch.events[1] as Record<string, Json>;
        e1["event_name"] = "retry.exception";
        const data = e1["event_data"] as Record<string, Json>;
        data["is_retryable"] = true;
        data["extra"] = 1;
        return b;
      },
    }).then((d) => d.join("\n"));
    expect(more).toContain("body.events[1].event_name: expected");
    expect(more).toContain("body.events[1].event_data keys: expected");
    expect(more).toContain("body.events[1].event_data.is_retryable: expected false, got true");
  });
});

describe("Python-compatible JSON", () => {
  it("formats floats like CPython repr", () => {
    const cases: Array<[number, string]> = [
      [1, "1.0"],
      [0.0001, "0.0001"],
      [1e-5, "1e-05"],
      [1e16, "1e+16"],
      [1e15, "1000000000000000.0"],
      [-2.5e-7, "-2.5e-07"],
      [0.7, "0.7"],
      [-0, "-0.0"],
    ];
    for (const [n, s] of cases) expect(pyFloatRepr(n)).toBe(s);
  });

  it("reproduces every sha256 of the chunking transcript from the rebuilt data", () => {
    const lines = loadTranscript("chunking");
    let checked = 0;
    const visit = (v: Json, line: TranscriptLine, expand: (s: Json) => Json) => {
      if (isArraySummary(v)) {
        expect(pyArraySha256(expand(v) as Json[], v)).toBe(v.sha256_compact_json);
        checked++;
      } else if (Array.isArray(v)) for (const x of v) visit(x, line, expand);
      else if (v !== null && typeof v === "object") for (const x of Object.values(v)) visit(x, line, expand);
    };
    for (const line of lines) {
      visit(line.body, line, (s) => expandRequest(s, line));
      visit(line.response.body, line, (s) =>
        isArraySummary(s) ? expandChunkingArray(s, "response.loss_fn_outputs", line) : s,
      );
    }
    expect(checked).toBe(12);
  });
});
