/**
 * Reading JWTs the Tinker server minted (golden README, facts 17–19). Signatures are not checked:
 * the SDK only decodes tokens it received from the server itself, as 0.25.0 does.
 */
import { AuthError } from "./errors.js";

/** The claims of a JWT (its middle, base64url JSON part). Throws AuthError `jwt_parse`. */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  try {
    if (payload === undefined) throw new Error("not a JWT (no payload part)");
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null || Array.isArray(claims))
      throw new Error("claims are not an object");
    return claims as Record<string, unknown>;
  } catch (e) {
    throw new AuthError(
      `Failed to parse JWT claims: ${e instanceof Error ? e.message : String(e)}`,
      "jwt_parse",
      { cause: e },
    );
  }
}

/** `exp` as epoch milliseconds. Throws AuthError `jwt_parse` when absent or not a number. */
export function jwtExpiryMs(jwt: string): number {
  const exp = jwtClaims(jwt).exp;
  const n = typeof exp === "number" ? exp : typeof exp === "string" ? Number(exp) : Number.NaN;
  if (!Number.isFinite(n))
    throw new AuthError("Failed to parse JWT expiry: no numeric exp claim", "jwt_parse");
  return n * 1000;
}

/** Milliseconds of validity left at `nowMs`; 0 when the expiry cannot be read (so it gets refreshed). */
export function jwtRemainingMs(jwt: string, nowMs: number): number {
  try {
    return jwtExpiryMs(jwt) - nowMs;
  } catch {
    return 0;
  }
}

/** Whether a credential is already a JWT (0.25.0 uses such a credential as is: prefix `eyJ`). */
export function isJwtCredential(credential: string): boolean {
  return credential.startsWith("eyJ");
}

/** What `RestClient.whoami` returns: decoded from the held JWT, no request (fact 19). */
export interface WhoamiResponse {
  user_urn: string | null;
  email: string | null;
}

/** `sub` → `user_urn`, `email`; empty strings become null, as 0.25.0 does. */
export function whoamiFromJwt(jwt: string): WhoamiResponse {
  const c = jwtClaims(jwt);
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  return { user_urn: str(c.sub), email: str(c.email) };
}
