/**
 * What the emulator's 0.25.0 side can be told, at start (`EmulatorOptions.v025`) and at run time
 * (`emulator.v025`): the `client/config` flags it hands out, the `dynamic_config` answer, JWT
 * lifetimes and revocation, and when a poll gets `complete_metadata` first.
 */
import { CLIENT_CONFIG_DEFAULTS, type ClientConfigFlags } from "../../protocol/client-config.js";
import type { FaultRule } from "../faults.js";

/** Options of the 0.25.0 side of the emulator. */
export interface EmulatorV025Options {
  /** Flags merged over the SDK's defaults (which the emulator sends with `use_pyqwest_transport: false`). */
  readonly clientConfig?: Partial<ClientConfigFlags>;
  /** `refresh_interval_sec` of `dynamic_config` (default 300), or `"404"` for a server that predates it. */
  readonly dynamicConfig?: number | "404";
  /** Lifetime of each minted JWT, in order; the last repeats (default [3600]). */
  readonly jwtTtlSeconds?: readonly number[];
  /** A poll with `allow_metadata_only: true` gets `complete_metadata` first when the result is larger. */
  readonly metadataOnlyOverBytes?: number;
  /**
   * How long a protobuf chunk submit that arrived ahead of its seq_id turn waits for the seq_ids
   * before it (which a failed or never-sent chunk leaves missing) before it runs anyway; default 2000 ms.
   */
  readonly chunkTurnWaitMs?: number;
}

/** The emulator's 0.25.0 settings and JWT bookkeeping (also `Emulator.v025`). */
export class V025Controls {
  clientConfig: ClientConfigFlags;
  dynamicConfig: number | "404";
  jwtTtlSeconds: number[];
  metadataOnlyOverBytes: number | undefined;
  readonly chunkTurnWaitMs: number;
  /** Every JWT minted, in order. */
  readonly minted: string[] = [];
  private readonly revoked = new Set<string>();
  /** `sampling_session_id` → the session that created it (for `GET /sessions/{id}`). */
  readonly samplerSessions = new Map<string, string>();
  /** `session_id` → project (`PUT /sessions/{id}/project`). */
  readonly sessionProjects = new Map<string, string | null>();
  /** Trace exports asked for, per session: the first answer is `pending`, later ones `ready`. */
  readonly traceExports = new Map<string, number>();

  constructor(
    o: EmulatorV025Options = {},
    /** The emulator's clock (JWT `iat`/`exp`, TTLs). */
    readonly now: () => number = Date.now,
  ) {
    this.clientConfig = { ...CLIENT_CONFIG_DEFAULTS, use_pyqwest_transport: false, ...o.clientConfig };
    this.dynamicConfig = o.dynamicConfig ?? 300;
    this.jwtTtlSeconds = [...(o.jwtTtlSeconds ?? [3600])];
    this.metadataOnlyOverBytes = o.metadataOnlyOverBytes;
    this.chunkTurnWaitMs = o.chunkTurnWaitMs ?? 2_000;
  }

  /** Changes flags for later `client/config` answers. */
  setClientConfig(flags: Partial<ClientConfigFlags>): void {
    this.clientConfig = { ...this.clientConfig, ...flags };
  }

  /** TTL of the next JWT. */
  nextJwtTtlSeconds(): number {
    const i = Math.min(this.minted.length, this.jwtTtlSeconds.length - 1);
    return this.jwtTtlSeconds[i] ?? 3600;
  }

  /** JWT-expiry fault: every JWT minted so far is answered 401 from now on. */
  expireAllJwts(): void {
    for (const j of this.minted) this.revoked.add(j);
  }

  /** Whether a presented JWT was revoked by `expireAllJwts`. */
  isRevoked(jwt: string): boolean {
    return this.revoked.has(jwt);
  }
}

/**
 * A 402 fault as the billing pause sees it (`{"detail": "Payment required"}`), for `route`
 * (e.g. `"POST /api/v1/forward_backward"`), `times` requests.
 */
export function billingFault(route: string, times = 1, after = 0): FaultRule {
  return { route, times, after, status: 402, body: { detail: "Payment required" } };
}
