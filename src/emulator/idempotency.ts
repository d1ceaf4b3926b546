/**
 * Idempotency as real APIs do it (Stripe's rules): the first successful answer to a request with an
 * `x-idempotency-key` is stored, and a repeat of that key is answered with it instead of running the
 * request again. A repeat that arrives while the first is still being handled waits for it. Failed
 * answers are not stored (the repeat runs again and fails or succeeds on its own), and a key reused
 * for a different request is refused with 422. Bounded in entries and bytes, entries expire.
 */
import { createHash } from "node:crypto";
import { HttpError } from "./http-util.js";

/** A stored answer. */
export interface StoredAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

interface Slot {
  readonly fingerprint: string;
  answer: StoredAnswer | null;
  bytes: number;
  expiresAt: number;
  /** Resolved when the first request is answered (with its answer, or null when it was not stored). */
  readonly done: Promise<StoredAnswer | null>;
  settle(answer: StoredAnswer | null): void;
}

/** Limits of the store. */
export interface IdempotencyOptions {
  /** How long an answer is replayed (default 10 minutes). */
  readonly ttlMs?: number;
  /** Keys remembered at once (default 10 000; the oldest go first). */
  readonly maxEntries?: number;
  /** Bytes of stored answers (default 32 MiB); an answer bigger than a tenth of it is not stored. */
  readonly maxBytes?: number;
  /** The clock answers expire by (ms). */
  readonly now: () => number;
}

/** What {@link IdempotencyStore.begin} decided. */
export type IdempotencyDecision =
  | { readonly kind: "run"; finish(answer: StoredAnswer | null): void }
  | { readonly kind: "replay"; readonly answer: StoredAnswer };

/** Stores answers per idempotency key. */
export class IdempotencyStore {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(private readonly options: IdempotencyOptions) {
    this.ttlMs = options.ttlMs ?? 600_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** How many keys are remembered now. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Looks a key up: `run` for a new key (call `finish` with the answer to store, or null), `replay`
   * with the stored answer for a repeat. A repeat of a request still in progress waits for it; if
   * that one ends unstored, the repeat runs itself. A key reused with another method, path or body
   * is a 422.
   */
  async begin(key: string, method: string, path: string, raw: Buffer): Promise<IdempotencyDecision> {
    const fingerprint = `${method} ${path} ${createHash("sha256").update(raw).digest("base64")}`;
    for (let round = 0; round < 8; round++) {
      const slot = this.live(key);
      if (slot === null) return this.claim(key, fingerprint);
      if (slot.fingerprint !== fingerprint) {
        throw new HttpError(
          422,
          "x-idempotency-key: this key was already used for a different request; use a new key for a new request",
        );
      }
      const answer = slot.answer ?? (await slot.done);
      if (answer !== null) return { kind: "replay", answer };
      // The first attempt failed and was forgotten: this one runs (unless another repeat claimed it).
    }
    throw new HttpError(409, "x-idempotency-key: the request with this key keeps failing; retry later");
  }

  private live(key: string): Slot | null {
    const slot = this.slots.get(key);
    if (!slot) return null;
    if (slot.answer !== null && this.options.now() >= slot.expiresAt) {
      this.remove(key, slot);
      return null;
    }
    return slot;
  }

  private claim(key: string, fingerprint: string): IdempotencyDecision {
    let settle: (a: StoredAnswer | null) => void = () => {};
    const done = new Promise<StoredAnswer | null>((r) => {
      settle = r;
    });
    const slot: Slot = { fingerprint, answer: null, bytes: 0, expiresAt: 0, done, settle };
    this.slots.set(key, slot);
    return {
      kind: "run",
      finish: (answer) => {
        const bytes = answer === null ? 0 : JSON.stringify(answer.body ?? null).length + 64;
        if (answer === null || bytes > this.maxBytes / 10) {
          this.remove(key, slot);
          slot.settle(answer);
          return;
        }
        slot.answer = answer;
        slot.bytes = bytes;
        slot.expiresAt = this.options.now() + this.ttlMs;
        this.bytes += bytes;
        this.evict();
        slot.settle(answer);
      },
    };
  }

  private remove(key: string, slot: Slot): void {
    if (this.slots.get(key) !== slot) return;
    this.slots.delete(key);
    this.bytes -= slot.bytes;
  }

  // Oldest first (Map order is insertion order); slots still in progress are skipped.
  private evict(): void {
    for (const [key, slot] of this.slots) {
      if (this.slots.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
      if (slot.answer !== null) this.remove(key, slot);
    }
  }
}
