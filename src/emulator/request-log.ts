/**
 * The emulator's request log, which tests read, and its per-model seq-id ordering check.
 */

/** One request as the emulator saw it. The API key header is never recorded. */
export interface LoggedRequest {
  /** 1-based arrival order. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Status answered (0 when the connection was reset or the server closed first). */
  status: number;
  /** Set when an injected fault answered this request. */
  fault?: "scripted" | "random";
  /** Set when the seq-id check rejected this request. */
  seqRejected?: boolean;
}

/** A seq-id violation seen on a training request. */
export interface SeqViolation {
  readonly modelId: string;
  readonly seqId: number;
  readonly lastSeqId: number;
  readonly kind: "duplicate" | "out_of_order";
}

/** Records every request and checks training seq-ids. */
export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  readonly seqViolations: SeqViolation[] = [];
  private readonly lastSeq = new Map<string, number>();

  /** Records a request on arrival; the status is filled in when answered. */
  record(entry: Omit<LoggedRequest, "index" | "status">): LoggedRequest {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(entry.headers)) {
      if (k.toLowerCase() !== "x-api-key" && k.toLowerCase() !== "authorization") headers[k] = v;
    }
    const logged: LoggedRequest = { ...entry, headers, index: this.entries.length + 1, status: 0 };
    this.entries.push(logged);
    return logged;
  }

  /** Entries for one path (and method, when given). */
  byPath(path: string, method?: string): LoggedRequest[] {
    return this.entries.filter((e) => e.path === path && (method === undefined || e.method === method));
  }

  /** How many training requests the seq-id check rejected. */
  get seqRejections(): number {
    return this.seqViolations.length;
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
      return v;
    }
    this.lastSeq.set(modelId, seqId);
    return null;
  }

  /** Forgets everything (the seq-id state too). */
  clear(): void {
    this.entries.length = 0;
    this.seqViolations.length = 0;
    this.lastSeq.clear();
  }
}
