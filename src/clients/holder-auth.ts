/**
 * The credential of one 0.25.0 holder (golden v0.25 README, facts 17–18). `client/config` goes
 * with the original credential (the `apiKey` option, `TINKER_API_KEY`, else the output of
 * `TINKER_CREDENTIAL_CMD`). What the server answers decides the rest: with `pjwt_auth_enabled`
 * the holder exchanges its credential at `auth/token` (under the SDK retry loop; the command runs
 * again for every exchange when `credential_default_source` is `credential_cmd`, unless the key
 * is itself a JWT) and sends the JWT from then on, refreshed in the background and on demand
 * (protocol/auth's JwtAuthProvider, on the holder's clock). Without it only an API key is accepted.
 */
import type { SdkLogger } from "../core/logger.js";
import type { CredentialHolder, Transport } from "../core/transport.js";
import type { Deps } from "../lib/deps.js";
import {
  AuthError,
  apiKeyProvider,
  isJwtCredential,
  JwtAuthProvider,
  jwtClaims,
  jwtFromTokenAnswer,
  type RunCommand,
  resolveCredentialProvider,
  runShellCommand,
} from "../protocol/auth/index.js";
import type { ClientConfigFlags } from "../protocol/client-config.js";
import type { ProtocolGeneration } from "../protocol/generation.js";
import { jsonBody } from "../types/codec.js";
import { executeWithRetries } from "./retry.js";

/** What a holder's auth needs. */
export interface HolderAuthDeps {
  transport: Transport;
  generation: ProtocolGeneration;
  deps: Deps;
  /** Sleep of the background refresh (unref'd; the fake clock's in tests). */
  backgroundSleep: Deps["sleep"];
  /** The holder's lifetime. */
  signal: AbortSignal;
  /** Which holder this is (its requests carry the tag, so the transport asks the right one). */
  holder: CredentialHolder;
  /** The `apiKey` option (undefined: the environment decides). */
  apiKey: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: SdkLogger;
  /** Runs the credential command (default `sh -c` with a timeout). */
  runCommand?: RunCommand;
}

/** One holder's credential: the original one for client/config, then a JWT or the API key. */
export class HolderAuth {
  readonly #d: HolderAuthDeps;
  #jwt: JwtAuthProvider | undefined;
  #apiKey: string | undefined;

  constructor(d: HolderAuthDeps) {
    this.#d = d;
  }

  /** Which holder this is. */
  get holder(): CredentialHolder {
    return this.#d.holder;
  }

  /** The key the holder was given (option, then `TINKER_API_KEY`), if any. */
  get #givenKey(): string | undefined {
    return this.#d.apiKey || this.#d.env.TINKER_API_KEY || undefined;
  }

  /** The credential `client/config` goes with: key, env key, then the command's output. */
  configCredential(): Promise<string> {
    const { env, runCommand = runShellCommand } = this.#d;
    return resolveCredentialProvider({ apiKey: this.#d.apiKey, env, run: runCommand }).getCredential();
  }

  /**
   * After `client/config`: exchange a first JWT when the server asks for JWT auth, else check that
   * an API key is at hand (a command-only setup is refused here, after `client/config`, as 0.25.0).
   */
  async setUp(flags: ClientConfigFlags): Promise<void> {
    const { generation: g, transport, deps, signal, env, holder, runCommand = runShellCommand } = this.#d;
    const tokenPath = g.auth.tokenPath;
    if (!flags.pjwt_auth_enabled || tokenPath === null) {
      const key = this.#givenKey;
      if (!key) {
        throw new AuthError(
          "This server has JWT auth off and then accepts only an API key: set the apiKey client option or TINKER_API_KEY (a TINKER_CREDENTIAL_CMD alone is not enough).",
          "missing_api_key",
        );
      }
      apiKeyProvider(key, env); // refuses a key without the tml- / eyJ prefix
      this.#apiKey = key;
      return;
    }
    const credentials = resolveCredentialProvider({
      apiKey: this.#givenKey,
      env,
      enforceCommand: flags.credential_default_source === "credential_cmd",
      run: runCommand,
    });
    const exchange = async () => {
      const credential = await credentials.getCredential();
      const res = await transport.request({
        method: "POST",
        path: tokenPath,
        body: jsonBody({}),
        pool: "session",
        holder,
        headers: { "x-api-key": credential },
        maxRetries: g.retry.requests.auth_token.httpMaxRetries,
        signal,
      });
      return jwtFromTokenAnswer(res.body);
    };
    const jwt = new JwtAuthProvider({
      exchange,
      clock: { now: deps.now, sleep: this.#d.backgroundSleep },
      refreshBeforeExpiryMs: g.auth.refreshBeforeExpiryMs,
      refreshOnDemandWithinMs: g.auth.refreshOnDemandWithinMs,
      onRefreshError: (error, where) => {
        const what = `${where} JWT refresh failed: ${error instanceof Error ? error.message : String(error)}`;
        if (where === "on-demand") this.#d.logger.warn(what);
        else this.#d.logger.debug(what);
      },
    });
    this.#jwt = jwt;
    await executeWithRetries(() => jwt.init(), { deps, signal, name: "auth_token" });
  }

  /**
   * The credential of a request after `client/config`: the JWT (refreshed first when ≤ 60 s are
   * left), or the API key; undefined before `setUp`.
   */
  credential(): string | undefined | Promise<string | undefined> {
    const jwt = this.#jwt;
    if (jwt === undefined) return this.#apiKey;
    return jwt.freshToken() ?? jwt.getToken().then((t) => t ?? undefined);
  }

  /**
   * A JWT carrying the caller's identity, if one is at hand without a request: the exchanged one
   * (refreshed when near expiry), or a key that is itself a Tinker-issued JWT (`iss` `passport-…`).
   */
  async identityJwt(): Promise<string | null> {
    if (this.#jwt !== undefined) return this.#jwt.getToken();
    const key = this.#givenKey;
    if (key && isJwtCredential(key)) {
      try {
        if (String(jwtClaims(key).iss ?? "").startsWith("passport-")) return key;
      } catch {
        // not a readable JWT: no identity
      }
    }
    return null;
  }

  /** Stops the background refresh. */
  async close(): Promise<void> {
    await this.#jwt?.close();
  }
}
