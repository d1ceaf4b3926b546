/**
 * Per-model seq_id turns for 0.25.0's parallel chunk submits (golden v0.25 fact 12): the SDK sends
 * chunks 2..n first and chunk 1 only after they were answered, and the server runs a model's work
 * in seq_id order. A protobuf submit whose seq_id is ahead of the model's next one is answered at
 * once with a reserved future and handed to the training route when the seq_ids before it have
 * been (or, should they never come, after `holdMs`, in seq_id order).
 */

/** A held submit: runs the training route with the reserved future id. */
type Held = () => void;

/** The seq_id bookkeeping the reorder needs. */
export interface SeqSource {
  /** The last seq_id the model accepted, if any. */
  lastAcceptedSeq(modelId: string): number | undefined;
}

export class SeqReorder {
  readonly #held = new Map<string, Map<number, Held>>();

  constructor(
    private readonly seqs: SeqSource,
    private readonly holdMs = 2_000,
  ) {}

  /** Whether a submit with `seqId` must wait for earlier seq_ids of the model (first seq_id is 1). */
  mustWait(modelId: string, seqId: number): boolean {
    const next = (this.seqs.lastAcceptedSeq(modelId) ?? 0) + 1;
    return seqId > next;
  }

  /** Holds `run` until its turn (or the timeout). */
  hold(modelId: string, seqId: number, run: Held): void {
    let held = this.#held.get(modelId);
    if (!held) {
      held = new Map();
      this.#held.set(modelId, held);
    }
    held.set(seqId, run);
    setTimeout(() => this.#flush(modelId), this.holdMs).unref();
  }

  /** After a submit ran: the held submits that are now next, one after another. */
  drain(modelId: string): void {
    const held = this.#held.get(modelId);
    for (;;) {
      const next = (this.seqs.lastAcceptedSeq(modelId) ?? 0) + 1;
      const run = held?.get(next);
      if (!held || !run) return;
      held.delete(next);
      run();
    }
  }

  // A gap that never filled: run what is held, in seq_id order.
  #flush(modelId: string): void {
    const held = this.#held.get(modelId);
    if (!held || held.size === 0) return;
    const order = [...held.keys()].sort((a, b) => a - b);
    for (const s of order) {
      const run = held.get(s);
      held.delete(s);
      run?.();
    }
  }
}
