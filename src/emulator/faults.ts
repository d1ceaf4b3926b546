/**
 * Fault injection: scripted rules per route and count, plus random faults at a seeded rate, so that
 * reliability tests reproduce exactly.
 */
import { seededRandom } from "../lib/seeded-random.js";

/** Queue states 0.4.1 understands in `try_again` and 408 bodies. */
export type FaultQueueState = "active" | "paused_rate_limit" | "paused_capacity" | string;

/** One scripted fault. `route` is a path (`/api/v1/forward`) optionally prefixed by a method (`POST /api/v1/forward`). */
export interface FaultRule {
  readonly route: string;
  /** How many matching requests this rule hits (default 1; `Infinity` for all). */
  readonly times?: number;
  /** Matching requests to let through before the rule starts hitting (default 0). */
  readonly after?: number;
  /** Wait this long before answering (alone: the request then proceeds normally). */
  readonly delayMs?: number;
  /**
   * Handle the request normally, then hold its answer this long: the work is applied but a client
   * with a shorter timeout gives up on the answer and retries (the case idempotency keys exist for).
   */
  readonly stallAnswerMs?: number;
  /** Answer with this status (body `{detail}` unless `body` is given). */
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds a `retry-after-ms` header. */
  readonly retryAfterMs?: number;
  /** Adds `x-should-retry: true|false`. */
  readonly shouldRetry?: boolean;
  /** Destroys the connection without answering. */
  readonly reset?: boolean;
  /** On `retrieve_future`: answer `{type:"try_again", queue_state}`. */
  readonly tryAgain?: { readonly queueState: FaultQueueState };
  /** On `retrieve_future`: answer a failed future with this category (and message). */
  readonly failFuture?: { readonly category: string; readonly error?: string };
}

/** The shape of a fault without its targeting (`route`, `times`, `after`). */
export type FaultShape = Omit<FaultRule, "route" | "times" | "after">;

/** Random faults: each request (on `routes`, default all `/api/` routes) fails with probability `rate`. */
export interface RandomFaults {
  readonly rate: number;
  /** Statuses to pick from (default `[500]`); ignored when `mix` is given. */
  readonly statuses?: readonly number[];
  /**
   * Fault shapes to pick from uniformly (resets, delays, 429 with `retryAfterMs`, `tryAgain`, …).
   * Shapes that only make sense on `retrieve_future` (`tryAgain`, `failFuture`, status 410) are
   * drawn only for it.
   */
  readonly mix?: readonly FaultShape[];
  readonly routes?: readonly string[];
  /** Extra headers on random faults (e.g. `{"retry-after-ms": "0"}`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the server should do for a request, decided by the injector. */
export interface FaultAction {
  readonly rule: FaultRule;
  /** `true` when the action came from random faults. */
  readonly random: boolean;
}

const RETRIEVE_FUTURE = "/api/v1/retrieve_future";

// Answers that only a future poll can give.
function futureOnly(shape: FaultShape): boolean {
  return shape.tryAgain !== undefined || shape.failFuture !== undefined || shape.status === 410;
}

interface LiveRule {
  readonly rule: FaultRule;
  seen: number;
  hits: number;
}

function matches(route: string, method: string, path: string): boolean {
  const space = route.indexOf(" ");
  if (space > 0) return route.slice(0, space).toUpperCase() === method && route.slice(space + 1) === path;
  return route === path;
}

/** Holds the fault rules of one emulator; tests add rules at any time. */
export class FaultInjector {
  private rules: LiveRule[] = [];
  private randomFaults: RandomFaults | null = null;
  private random: () => number;
  /** How many faults were injected so far (scripted and random). */
  injected = 0;

  constructor(rules: readonly FaultRule[] = [], seed = 1) {
    this.random = seededRandom(seed);
    for (const r of rules) this.add(r);
  }

  /** Adds a scripted rule (checked in insertion order). */
  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, hits: 0 });
  }

  /** Turns random faults on (or off with `null`), reseeding the PRNG when `seed` is given. */
  setRandom(faults: RandomFaults | null, seed?: number): void {
    this.randomFaults = faults;
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  /** Removes all rules and random faults. */
  clear(): void {
    this.rules = [];
    this.randomFaults = null;
  }

  /** Scripted rules that have not used up their count. */
  pending(): FaultRule[] {
    return this.rules.filter((r) => r.hits < (r.rule.times ?? 1)).map((r) => r.rule);
  }

  /** Decides the fault for one request, or `null` to serve it normally. */
  next(method: string, path: string): FaultAction | null {
    for (const live of this.rules) {
      if (!matches(live.rule.route, method, path)) continue;
      if (live.hits >= (live.rule.times ?? 1)) continue;
      live.seen += 1;
      if (live.seen <= (live.rule.after ?? 0)) continue;
      live.hits += 1;
      this.injected += 1;
      return { rule: live.rule, random: false };
    }
    const rf = this.randomFaults;
    if (rf && path.startsWith("/api/")) {
      const onRoute = rf.routes === undefined || rf.routes.some((r) => matches(r, method, path));
      if (onRoute && this.random() < rf.rate) {
        if (rf.mix) {
          const shapes = rf.mix.filter((m) => path === RETRIEVE_FUTURE || !futureOnly(m));
          const shape = shapes[Math.floor(this.random() * shapes.length)];
          if (shape) {
            this.injected += 1;
            return { rule: { ...shape, route: path }, random: true };
          }
          return null;
        }
        const statuses = rf.statuses ?? [500];
        const status = statuses[Math.floor(this.random() * statuses.length)] ?? 500;
        this.injected += 1;
        return {
          rule: { route: path, status, headers: rf.headers, body: { detail: "injected random fault" } },
          random: true,
        };
      }
    }
    return null;
  }
}
