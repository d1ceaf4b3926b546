/**
 * Strict call-order submission for one TrainingClient: every ordered call reserves its slot(s)
 * synchronously when it is made, and each submit starts only after the previous slot's submit has
 * settled (answered, failed or been skipped). Results are polled outside the slot, so calls pipeline.
 * Unlike 0.4.1 (gotcha H5) a failed or aborted slot never wedges later ones.
 */
export class SubmitSequencer {
  #tail: Promise<void> = Promise.resolve();
  #nextSeq = 1;

  /** Reserve `count` consecutive seq_ids (0.4.1's request_id + 1, starting at 1). */
  reserve(count: number): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(this.#nextSeq++);
    return ids;
  }

  /** Seq id the next reservation will get. */
  get nextSeqId(): number {
    return this.#nextSeq;
  }

  /**
   * Queue `submit` behind every previously queued submit (call synchronously, in call order).
   * The returned promise settles with `submit`'s outcome; the queue moves on either way.
   */
  enqueue<T>(submit: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(submit);
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
