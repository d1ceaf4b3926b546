/**
 * A loopback HTTP server that replays one golden scenario: every request tinker-ts sends is matched
 * to a line of the Python transcript, answered with that line's recorded response (status, headers,
 * body, and a recorded `delay_s` fault as a real delay), and compared with the recorded request.
 *
 * Matching is by stream, not by global line order, because some requests are asynchronous:
 * - telemetry and heartbeat requests: in order within their own path;
 * - `retrieve_future`: the next recorded poll of the same `request_id` (a poll may race the next
 *   submit, README "Ordering and stability");
 * - `asample`: the recorded sample with the same `sampling_session_id` and `seq_id` (concurrent
 *   samples may arrive in any order), else the next recorded sample;
 * - everything else ("main"): the next recorded request with the same method and path.
 *
 * Order is checked across the main, future and sample streams together (the transcripts' order is
 * deterministic there, README "Ordering and stability"): a request that arrives while an earlier
 * line of those streams is still unsent is a difference, except for a poll and the submit next to
 * it (started in the same event-loop turn, so they may swap) and lines the test declares
 * `unordered`. Telemetry and heartbeats are timer-driven and ordered within their own stream only.
 * `concurrent` groups (requests the transcript shows in flight together) must all arrive before
 * any of them is answered; `sequential` pairs must not overlap.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CompareContext, compareJson, compareRequest, type ReceivedRequest } from "./compare.js";
import { type Json, loadTranscript, type ScenarioName, type TranscriptLine } from "./golden.js";
import { type ArraySummary, isArraySummary } from "./py-json.js";

/** How a request is matched to transcript lines (see module comment). */
export type Stream = "telemetry" | "heartbeat" | "future" | "sample" | "main";

/** Options of a replay. */
export interface ReplayOptions {
  /** API key the test configured (`x-api-key` must equal it), or one per transcript line. Default `tml-TESTKEY`. */
  apiKey?: string | ((seq: number) => string);
  /** Rebuilds an array the transcript summarised in a recorded *response*; checked against the summary. */
  expandArray?: (summary: ArraySummary, path: string, line: TranscriptLine) => Json[];
  /** Lines the test does not expect tinker-ts to send (their absence is not reported). */
  optional?: (line: TranscriptLine) => boolean;
  /** Real delay in ms for a line with a `delay_s` fault (default `delay_s * 1000`). */
  delayMs?: (line: TranscriptLine) => number;
  /** Streams whose extra requests (beyond the transcript) are answered and tolerated. Default: telemetry. */
  tolerateExtra?: Stream[];
  /** Lines whose arrival order is not deterministic (e.g. concurrent samples); exempt from order checks. */
  unordered?: (line: TranscriptLine) => boolean;
  /** Groups of lines held open together in the recording: each must arrive before any is answered. */
  concurrent?: number[][];
  /** Pairs [a, b]: line b must arrive only after line a was answered (no overlap). */
  sequential?: Array<[number, number]>;
}

/** One request received by the replay server, with the line it was matched to. */
export interface Exchange {
  index: number;
  req: ReceivedRequest;
  body: unknown;
  line: TranscriptLine | undefined;
  diffs: string[];
  tArrive: number;
  tRespond: number | undefined;
}

/**
 * Lines whose order the README says is not deterministic: the three concurrent samples of
 * `ordering` and their polls (lines 15–20), matched by `seq_id` / `request_id` instead.
 */
const UNORDERED: Readonly<Record<string, (seq: number) => boolean>> = {
  ordering: (seq) => seq >= 15 && seq <= 20,
};

/** The stream a path belongs to. */
export function streamOf(path: string): Stream {
  if (path === "/api/v1/telemetry") return "telemetry";
  if (path === "/api/v1/session_heartbeat") return "heartbeat";
  if (path === "/api/v1/retrieve_future") return "future";
  if (path === "/api/v1/asample") return "sample";
  return "main";
}

function field(body: unknown, key: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[key] : undefined;
}

/** The replay server of one scenario. Create with `ReplayServer.start`. */
export class ReplayServer {
  /** Every request received, in arrival order. */
  readonly exchanges: Exchange[] = [];
  /** Tolerated extra requests (e.g. a close-time telemetry flush the recording never saw). */
  readonly extras: Exchange[] = [];
  readonly ctx: CompareContext;
  private readonly consumed = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => void>();
  private readonly problems: string[] = [];
  private server!: Server;
  private port = 0;

  private constructor(
    readonly scenario: string,
    readonly lines: TranscriptLine[],
    private readonly opts: ReplayOptions,
  ) {
    this.ctx = new CompareContext(opts.apiKey ?? "tml-TESTKEY");
  }

  /** Loads the scenario's transcript and listens on an ephemeral loopback port. */
  static async start(
    scenario: ScenarioName | { name: string; lines: TranscriptLine[] },
    opts: ReplayOptions = {},
  ): Promise<ReplayServer> {
    const s =
      typeof scenario === "string"
        ? new ReplayServer(scenario, loadTranscript(scenario), opts)
        : new ReplayServer(scenario.name, scenario.lines, opts);
    s.server = createServer((req, res) => s.handle(req, res));
    s.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  /** `http://127.0.0.1:<port>` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Lines not received yet that the test did not declare optional. */
  missing(): TranscriptLine[] {
    return this.lines.filter((l) => !this.consumed.has(l.seq) && !this.opts.optional?.(l));
  }

  /** Resolves once every non-optional line has been received, or after `timeoutMs` (real time). */
  async settled(timeoutMs = 3_000): Promise<void> {
    if (this.missing().length === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (this.missing().length === 0) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Resolves once transcript line `seq` has been received; rejects after `timeoutMs` (real time). */
  async waitForLine(seq: number, timeoutMs = 3_000): Promise<void> {
    if (this.consumed.has(seq)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!this.consumed.has(seq)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `${this.scenario}.jsonl:${seq} not received within ${timeoutMs} ms; so far: ${this.report().join("; ")}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Every difference found: per-request diffs, ordering, unexpected and missing requests. */
  report(): string[] {
    const out = [...this.problems, ...this.concurrencyDiffs()];
    for (const ex of this.exchanges) {
      const where = ex.line ? `${this.scenario}.jsonl:${ex.line.seq}` : `${this.scenario} (no line)`;
      for (const d of ex.diffs) out.push(`${where} ${ex.req.method} ${ex.req.path}: ${d}`);
    }
    for (const l of this.missing())
      out.push(`${this.scenario}.jsonl:${l.seq} ${l.method} ${l.path}: never sent`);
    return out;
  }

  /** The exchange matched to transcript line `seq`. */
  exchangeFor(seq: number): Exchange | undefined {
    return this.exchanges.find((e) => e.line?.seq === seq);
  }

  /** Stops listening, cancels pending delayed answers and drops open connections. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private pick(req: ReceivedRequest, body: unknown): { line?: TranscriptLine; diffs: string[] } {
    const stream = streamOf(req.path);
    const open = this.lines.filter((l) => !this.consumed.has(l.seq) && streamOf(l.path) === stream);
    if (stream === "future") {
      const line = open.find((l) => field(l.body, "request_id") === field(body, "request_id"));
      return { line, diffs: [] };
    }
    if (stream === "sample") {
      const same = open.find(
        (l) =>
          field(l.body, "seq_id") === field(body, "seq_id") &&
          field(l.body, "sampling_session_id") === field(body, "sampling_session_id"),
      );
      return { line: same ?? open[0], diffs: [] };
    }
    if (stream === "main") {
      const line = open.find((l) => l.method === req.method && l.path === req.path);
      return { line, diffs: [] };
    }
    return { line: open[0], diffs: [] };
  }

  /** Whether a line takes part in the cross-stream order check. */
  private ordered(l: TranscriptLine): boolean {
    const s = streamOf(l.path);
    const scenarioUnordered = UNORDERED[this.scenario.split("#")[0] as string];
    return (
      s !== "telemetry" &&
      s !== "heartbeat" &&
      !scenarioUnordered?.(l.seq) &&
      !this.opts.unordered?.(l) &&
      !this.opts.optional?.(l)
    );
  }

  /** Order differences of `line` arriving now (see the module comment). */
  private orderDiffs(line: TranscriptLine): string[] {
    if (!this.ordered(line)) return [];
    const seq = this.lines.filter((l) => this.ordered(l));
    const at = seq.findIndex((l) => l.seq === line.seq);
    const isPoll = streamOf(line.path) === "future";
    const out: string[] = [];
    for (let i = 0; i < at; i++) {
      const p = seq[i] as TranscriptLine;
      if (this.consumed.has(p.seq)) continue;
      // README: a poll starts in the same event-loop turn as the next submit; the two may swap.
      if (i === at - 1 && (streamOf(p.path) === "future") !== isPoll) continue;
      out.push(`order: arrived while line ${p.seq} (${p.method} ${p.path}) was still expected first`);
    }
    return out;
  }

  /** Concurrency differences, once every line has been received and answered. */
  private concurrencyDiffs(): string[] {
    const out: string[] = [];
    for (const group of this.opts.concurrent ?? []) {
      const exs = group.map((seq) => this.exchangeFor(seq));
      if (exs.some((e) => e === undefined)) continue;
      const lastArrival = Math.max(...exs.map((e) => e?.tArrive ?? 0));
      const firstAnswer = Math.min(...exs.map((e) => e?.tRespond ?? Number.POSITIVE_INFINITY));
      if (firstAnswer < lastArrival) {
        out.push(
          `concurrency: lines ${group.join(", ")} were in flight together in the recording; one was answered before all had arrived`,
        );
      }
    }
    for (const [a, b] of this.opts.sequential ?? []) {
      const first = this.exchangeFor(a);
      const second = this.exchangeFor(b);
      if (!first || !second) continue;
      if (first.tRespond === undefined || second.tArrive < first.tRespond) {
        out.push(
          `concurrency: line ${b} arrived while line ${a} was still unanswered (the recording sends it after)`,
        );
      }
    }
    return out;
  }

  private expand(value: Json, path: string, line: TranscriptLine): Json {
    if (isArraySummary(value)) {
      if (!this.opts.expandArray)
        throw new Error(`${path}: recorded response summarises an array; pass expandArray`);
      const full = this.opts.expandArray(value, path, line);
      const diffs: string[] = [];
      compareJson(value, full, path, diffs);
      if (diffs.length > 0)
        throw new Error(`expandArray does not reproduce the recording: ${diffs.join("; ")}`);
      return full;
    }
    if (Array.isArray(value)) return value.map((v, i) => this.expand(v, `${path}[${i}]`, line));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.expand(v, `${path}.${k}`, line)]),
      );
    }
    return value;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const tArrive = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      const q = url.indexOf("?");
      const received: ReceivedRequest = {
        method: req.method ?? "",
        path: q === -1 ? url : url.slice(0, q),
        query: q === -1 ? "" : url.slice(q + 1),
        headers: Object.fromEntries(Object.entries(req.headersDistinct).map(([k, v]) => [k, v ?? []])),
        bodyText: Buffer.concat(chunks).toString("utf8"),
      };
      let body: unknown = null;
      try {
        body = received.bodyText === "" ? null : JSON.parse(received.bodyText);
      } catch {
        body = received.bodyText;
      }
      const { line, diffs } = this.pick(received, body);
      const ex: Exchange = {
        index: this.exchanges.length,
        req: received,
        body,
        line,
        diffs,
        tArrive,
        tRespond: undefined,
      };
      if (!line) {
        this.answerUnmatched(ex, res);
        return;
      }
      diffs.push(...this.orderDiffs(line));
      this.consumed.add(line.seq);
      diffs.push(...compareRequest(line, received, this.ctx));
      this.exchanges.push(ex);
      for (const w of [...this.waiters]) w();
      this.answer(ex, line, res);
    });
  }

  private answerUnmatched(ex: Exchange, res: ServerResponse): void {
    const stream = streamOf(ex.req.path);
    if ((this.opts.tolerateExtra ?? ["telemetry"]).includes(stream)) {
      this.extras.push(ex);
      const body: Json = stream === "telemetry" ? { status: "accepted" } : { type: "session_heartbeat" };
      this.send(ex, res, 200, {}, body);
      return;
    }
    ex.diffs.push(
      `unexpected request (no recorded ${stream} request left to match it): body ${ex.req.bodyText.slice(0, 200)}`,
    );
    this.exchanges.push(ex);
    this.send(ex, res, 400, { "x-should-retry": "false" }, { detail: "replay: unexpected request" });
  }

  private answer(ex: Exchange, line: TranscriptLine, res: ServerResponse): void {
    let body: Json;
    try {
      body = this.expand(line.response.body, "response", line);
    } catch (e) {
      this.problems.push(`${this.scenario}.jsonl:${line.seq}: ${(e as Error).message}`);
      this.send(ex, res, 500, { "x-should-retry": "false" }, { detail: "replay: cannot rebuild response" });
      return;
    }
    const delay =
      line.fault?.delay_s !== undefined ? (this.opts.delayMs?.(line) ?? line.fault.delay_s * 1000) : 0;
    if (delay <= 0) {
      this.send(ex, res, line.response.status, line.response.headers, body);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // A client that timed out has closed the socket; nothing to answer then.
      if (!res.destroyed && !res.writableEnded)
        this.send(ex, res, line.response.status, line.response.headers, body);
    }, delay);
    this.timers.add(timer);
  }

  private send(
    ex: Exchange,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Json,
  ): void {
    const text = body === null ? "" : JSON.stringify(body);
    const out: Record<string, string> = { ...headers };
    if (body !== null) out["content-type"] = "application/json";
    out["content-length"] = String(Buffer.byteLength(text));
    ex.tRespond = performance.now();
    res.writeHead(status, out);
    res.end(text);
  }
}
