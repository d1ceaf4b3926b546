/**
 * The emulator's request log, which tests read, its per-model seq-id ordering check, and the record
 * of training work actually applied. Bounded: the oldest entries go first once the log holds
 * `maxEntries` requests or `maxBodyBytes` of bodies, and credentials are never kept.
 */

/** One request as the emulator saw it. Credential headers are never recorded. */
export interface LoggedRequest {
  /** 1-based arrival order (keeps counting when old entries are dropped). */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body; `undefined` when empty, or never read because the request was refused. */
  readonly body: unknown;
  /** Status answered (0 when the connection was reset or the server closed first). */
  status: number;
  /**
   * Which kind of credential came (never the credential): `"jwt:<jti>"` for an `eyJ…` JWT the
   * emulator can read, `"api-key"` for anything else, absent when none.
   */
  credential?: string;
  /** Set when an injected fault answered this request. */
  fault?: "scripted" | "random";
  /** Set when the seq-id check rejected this request. */
  seqRejected?: boolean;
  /** Set when the answer was replayed from the idempotency store (the work was not run again). */
  replayed?: boolean;
}

/** A seq-id violation seen on a training request. */
export interface SeqViolation {
  readonly modelId: string;
  readonly seqId: number;
  readonly lastSeqId: number;
  readonly kind: "duplicate" | "out_of_order";
}

/** Training work the emulator ran to completion (the witness of what was applied). */
export interface AppliedStep {
  readonly modelId: string;
  readonly path: string;
  readonly seqId: number | null;
  /** The future's request id, as the client saw it in the submit answer. */
  readonly requestId: string;
}

/** Bounds of the log. */
export interface RequestLogLimits {
  /** Entries kept (default 20 000). */
  readonly maxEntries?: number;
  /** Body bytes kept, as received on the wire (default 64 MiB). */
  readonly maxBodyBytes?: number;
}

// Header names that carry credentials: dropped from every entry.
const SECRET_HEADER = /(^|-)(api-key|authorization|secret|token|cookie|password)($|-)/i;

/** Whether a header name looks like a credential (never logged). */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name) || name.toLowerCase() === "proxy-authorization";
}

/** Records requests (bounded) and checks training seq-ids. */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  readonly seqViolations: SeqViolation[] = [];
  /** Training work applied, in the order it ran (bounded like the entries). */
  readonly applied: AppliedStep[] = [];
  /** Entries dropped to stay within the limits. */
  dropped = 0;
  private readonly lastSeq = new Map<string, number>();
  private readonly sizes = new WeakMap<LoggedRequest, number>();
  private bodyBytes = 0;
  private counter = 0;
  private readonly maxEntries: number;
  private readonly maxBodyBytes: number;

  constructor(limits: RequestLogLimits = {}) {
    this.maxEntries = limits.maxEntries ?? 20_000;
    this.maxBodyBytes = limits.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Records a request on arrival; the status is filled in when answered. `bodyBytes` is the size
   * the body had on the wire (what the byte bound counts).
   */
  record(entry: Omit<LoggedRequest, "index" | "status">, bodyBytes = 0): LoggedRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.headers)) if (!isSecretHeader(k)) headers[k] = v;
    this.counter += 1;
    const logged: LoggedRequest = { ...entry, headers, index: this.counter, status: 0 };
    this.entries.push(logged);
    this.sizes.set(logged, bodyBytes);
    this.bodyBytes += bodyBytes;
    this.trim();
    return logged;
  }

  /** Notes training work that ran to completion. */
  recordApplied(step: AppliedStep): void {
    this.applied.push(step);
    if (this.applied.length > this.maxEntries) this.applied.splice(0, this.applied.length - this.maxEntries);
  }

  // Drops the oldest entries (in one splice, so a long log does not shift on every request).
  private trim(): void {
    let n = 0;
    let bytes = this.bodyBytes;
    while (
      this.entries.length - n > 1 &&
      (this.entries.length - n > this.maxEntries || bytes > this.maxBodyBytes)
    ) {
      bytes -= this.sizes.get(this.entries[n] as LoggedRequest) ?? 0;
      n++;
    }
    if (n === 0) return;
    this.entries.splice(0, n);
    this.bodyBytes = bytes;
    this.dropped += n;
  }

  /** Entries for one path (and method, when given). */
  byPath(path: string, method?: string): LoggedRequest[] {
    return this.entries.filter((e) => e.path === path && (method === undefined || e.method === method));
  }

  /** How many training requests the seq-id check rejected. */
  get seqRejections(): number {
    return this.seqViolations.length;
  }

  /** The last seq-id accepted for a model's training requests, if any. */
  lastAcceptedSeq(modelId: string): number | undefined {
    return this.lastSeq.get(modelId);
  }

  /**
   * Checks a training request's seq-id against the last accepted one for the model. The SDK reuses a
   * seq-id only when re-sending a request the server did not accept, so accepted ids must strictly grow;
   * gaps are allowed. Returns the violation, or null after accepting the id.
   */
  checkSeq(modelId: string, seqId: number | null): SeqViolation | null {
    if (seqId === null) return null;
    const last = this.lastSeq.get(modelId);
    if (last !== undefined && seqId <= last) {
      const v: SeqViolation = {
        modelId,
        seqId,
        lastSeqId: last,
        kind: seqId === last ? "duplicate" : "out_of_order",
      };
      this.seqViolations.push(v);
      if (this.seqViolations.length > this.maxEntries) this.seqViolations.shift();
      return v;
    }
    this.lastSeq.set(modelId, seqId);
    return null;
  }

  /** Forgets everything (the seq-id state too). */
  clear(): void {
    this.entries.length = 0;
    this.seqViolations.length = 0;
    this.applied.length = 0;
    this.lastSeq.clear();
    this.bodyBytes = 0;
    this.dropped = 0;
  }
}
