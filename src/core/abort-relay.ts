/**
 * What the transport hands undici as a request's `signal`. undici also takes an EventEmitter-like
 * object there (it calls `once("abort")` and `removeListener("abort")`), and a Set of listeners
 * costs O(1) per request, whereas every request listening on an AbortSignal (an EventTarget, whose
 * listeners Node also tracks for garbage collection) cost a quarter of the client's CPU on small
 * requests, and an EventEmitter's list is scanned on each removal. One relay per AbortSignal
 * listens to it while requests use the relay, and passes the abort on.
 */
import type { EventEmitter } from "node:events";

type Listener = () => void;

/** Stands for one AbortSignal, with the `aborted`/`reason` and listener methods undici uses. */
export class AbortRelay {
  aborted = false;
  reason: unknown = undefined;
  readonly #signal: AbortSignal;
  readonly #listeners = new Set<Listener>();
  #users = 0;
  readonly #onAbort = () => {
    this.aborted = true;
    this.reason = this.#signal.reason;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  };

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Abort fires at most once, so `on` and `once` are the same. */
  on(event: string, listener: Listener): this {
    if (event === "abort") this.#listeners.add(listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  removeListener(event: string, listener: Listener): this {
    if (event === "abort") this.#listeners.delete(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  /** Listeners waiting for the abort. */
  listenerCount(event: string): number {
    return event === "abort" ? this.#listeners.size : 0;
  }

  /** The relay in the type undici declares for `signal` (it uses only the methods above). */
  asEmitter(): EventEmitter {
    return this as unknown as EventEmitter;
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
