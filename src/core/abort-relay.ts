/**
 * What the transport hands undici as a request's `signal`. undici accepts an EventEmitter there,
 * and listening on one is cheap, whereas every request listening on an AbortSignal (an EventTarget,
 * whose listeners Node also tracks for garbage collection) cost a quarter of the client's CPU on
 * small requests. One relay per AbortSignal listens to it while requests use the relay, and passes
 * the abort on.
 */
import { EventEmitter } from "node:events";

/** An EventEmitter standing for one AbortSignal, with the `aborted`/`reason` undici reads. */
export class AbortRelay extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  readonly #signal: AbortSignal;
  #users = 0;
  readonly #onAbort = () => {
    this.aborted = true;
    this.reason = this.#signal.reason;
    this.emit("abort");
  };

  constructor(signal: AbortSignal) {
    super();
    this.#signal = signal;
    this.setMaxListeners(0);
  }

  /** A request starts using the relay: the signal is listened to while anyone does. */
  acquire(): this {
    if (this.#signal.aborted) {
      this.aborted = true;
      this.reason = this.#signal.reason;
    } else if (this.#users++ === 0) {
      this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    return this;
  }

  /** The request is over (and undici has let go of the relay). */
  release(): void {
    if (this.#users > 0 && --this.#users === 0) {
      this.#signal.removeEventListener("abort", this.#onAbort);
    }
  }
}

const relays = new WeakMap<AbortSignal, AbortRelay>();

/** The relay of `signal`, acquired; call `release()` when the request is over. */
export function acquireRelay(signal: AbortSignal): AbortRelay {
  let relay = relays.get(signal);
  if (relay === undefined) {
    relay = new AbortRelay(signal);
    relays.set(signal, relay);
  }
  return relay.acquire();
}
