/**
 * The emulator's JWTs, shaped like the service's as the golden recorder mints them:
 * `base64url({"alg":"none","typ":"JWT"}).base64url(claims).emulator`, claims `sub`, `email`,
 * `iss`, `jti`, `iat`, `exp = iat + ttl`. No signature: the emulator trusts itself, and a JWT it did
 * not mint (another `iss`) is refused.
 */
import { jwtClaims } from "../../protocol/auth/jwt.js";
import type { V025Controls } from "./controls.js";

/** `iss` of the emulator's JWTs. */
export const EMULATOR_JWT_ISSUER = "tinker-emulator";
/** `sub` and `email` of the emulator's one user. */
export const EMULATOR_USER = { sub: "urn:tinker:user:emulator-user", email: "emulator@example.invalid" };

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** Mints the next JWT and remembers it. */
export function mintJwt(controls: V025Controls): string {
  const iat = Math.floor(controls.now() / 1000);
  const claims = {
    ...EMULATOR_USER,
    iss: EMULATOR_JWT_ISSUER,
    jti: `jwt-${controls.minted.length + 1}`,
    iat,
    exp: iat + controls.nextJwtTtlSeconds(),
  };
  const jwt = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.emulator`;
  controls.minted.push(jwt);
  return jwt;
}

/** Why a presented JWT is refused, or null when it is good. */
export function jwtProblem(controls: V025Controls, jwt: string): string | null {
  let claims: Record<string, unknown>;
  try {
    claims = jwtClaims(jwt);
  } catch {
    return "Invalid JWT";
  }
  if (claims.iss !== EMULATOR_JWT_ISSUER) return "Invalid JWT: unknown issuer";
  if (controls.isRevoked(jwt)) return "Invalid JWT: expired";
  const exp = typeof claims.exp === "number" ? claims.exp : 0;
  if (exp * 1000 <= controls.now()) return "Invalid JWT: expired";
  return null;
}

/** What a request log may say about a credential: `jwt:<jti>` for a readable JWT, else `api-key`. */
export function credentialKind(credential: string): string {
  if (!credential.startsWith("eyJ")) return "api-key";
  try {
    const jti = jwtClaims(credential).jti;
    return typeof jti === "string" ? `jwt:${jti}` : "jwt";
  } catch {
    return "jwt";
  }
}
