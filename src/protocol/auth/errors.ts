/**
 * Errors of the auth modules. They carry stable `code`s; once the error classes move to the bottom
 * layer (issue #16) these can extend `TinkerError` without changing callers that test `code`.
 */
export class AuthError extends Error {
  override readonly name = "AuthError";
  constructor(
    message: string,
    /** `missing_api_key`, `bad_api_key_prefix`, `missing_credential_cmd`, `empty_credential`, `credential_cmd_failed`, `jwt_parse`, `token_exchange`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
