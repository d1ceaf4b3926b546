/**
 * `POST /api/v1/auth/token` (fact 17): body `{}`, the holder's credential in `X-API-Key`, answer
 * `{"jwt": "..."}`. The request goes through an injected fetch-like function, so the caller picks
 * the transport (and wraps the call in its SDK-level retry loop, as 0.25.0 does).
 */
import type { CredentialProvider } from "./credentials.js";
import { AuthError } from "./errors.js";

/** The slice of `fetch` the exchange needs. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; json(): Promise<unknown>; text?(): Promise<string> }>;

/** Path of the exchange. */
export const AUTH_TOKEN_PATH = "/api/v1/auth/token";

/** Options of `makeTokenExchange`. */
export interface TokenExchangeOptions {
  fetch: FetchLike;
  baseUrl: string;
  /** Asked once per exchange: a credential command runs again each time (credentials:1–2). */
  credentials: CredentialProvider;
  /** Extra headers (SDK headers); `X-API-Key` is set last, as the SDK's auth hook does. */
  headers?: () => Record<string, string>;
  signal?: AbortSignal;
}

/** An error of the exchange: carries the HTTP status so the caller's retry policy can judge it. */
export class TokenExchangeError extends AuthError {
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, "token_exchange", options);
  }
}

/** A function that exchanges the current credential for a JWT. */
export function makeTokenExchange(o: TokenExchangeOptions): () => Promise<string> {
  const url = `${o.baseUrl.replace(/\/+$/, "")}${AUTH_TOKEN_PATH}`;
  return async () => {
    const credential = await o.credentials.getCredential();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers?.() ?? {})) {
      // Any key header of the caller is replaced: the credential goes last, as the SDK's auth hook adds it.
      if (k.toLowerCase() !== "x-api-key" && k.toLowerCase() !== "content-type") headers[k] = v;
    }
    headers["Content-Type"] = "application/json";
    headers["X-API-Key"] = credential;
    const res = await o.fetch(url, { method: "POST", headers, body: "{}", signal: o.signal });
    if (res.status < 200 || res.status >= 300) {
      throw new TokenExchangeError(`auth/token answered ${res.status}`, res.status);
    }
    const body = (await res.json()) as { jwt?: unknown } | null;
    if (typeof body?.jwt !== "string" || body.jwt === "") {
      throw new TokenExchangeError("auth/token answer has no jwt", res.status);
    }
    return body.jwt;
  };
}

/** The JWT of an `auth/token` answer; TokenExchangeError when it has none. */
export function jwtFromTokenAnswer(body: unknown): string {
  const jwt = (body as { jwt?: unknown } | null)?.jwt;
  if (typeof jwt !== "string" || jwt === "")
    throw new TokenExchangeError("auth/token answer has no jwt", 200);
  return jwt;
}
