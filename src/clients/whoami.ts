/**
 * `RestClient.whoami()` of 0.25.0 (golden v0.25 README, fact 19): no request of its own. It waits
 * for the session-less holder (its handshake and JWT exchange), then decodes the claims of the JWT
 * that holder holds: `sub` → `user_urn`, `email` ("" → null).
 */
import { type RequestCallOptions, untilAborted } from "../core/deadline.js";
import { AuthError, type WhoamiResponse, whoamiFromJwt } from "../protocol/auth/index.js";
import type { SessionHolder } from "./session-holder.js";

export type { WhoamiResponse };

/** The caller's identity from the REST holder's JWT; AuthError `jwt_auth_disabled` without one. */
export function whoami(h: SessionHolder, options?: RequestCallOptions): Promise<WhoamiResponse> {
  return h.call("RestClient.whoami", options, async (signal) => {
    if (h.generation.handshake?.lazyHolders) await untilAborted(h.restHandshake.ready(), signal);
    const jwt = await h.restAuth.identityJwt();
    if (jwt === null) {
      throw new AuthError(
        "whoami reads the identity from a JWT, and there is none: the server has JWT auth off and the credential is a plain API key.",
        "jwt_auth_disabled",
      );
    }
    return whoamiFromJwt(jwt);
  });
}
