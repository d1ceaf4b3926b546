/** Errors of the auth modules: a `TinkerError` with a stable `code` each. */
import { TinkerError } from "../../errors/index.js";

/** A credential could not be found, read or exchanged. */
export class AuthError extends TinkerError {
  constructor(
    message: string,
    /** `missing_api_key`, `bad_api_key_prefix`, `missing_credential_cmd`, `empty_credential`, `credential_cmd_failed`, `jwt_parse`, `token_exchange`, `jwt_auth_disabled`. */
    code: string,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}
