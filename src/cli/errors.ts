import {
  APIConnectionError,
  APIError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  CheckpointDownloadError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TinkerError,
  UnprocessableEntityError,
  ValidationError,
} from "../errors/index.js";
import { UnsafeArchiveError } from "./archive.js";

/**
 * Exit codes scripts can rely on. 0.4.1 exits 1 for every error and 2 for usage errors; we keep those
 * and give authentication and not-found failures codes of their own.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  interrupted: 130,
} as const;

/** An error the CLI reports as `Error: <message>` plus optional details, exiting with `exitCode`. */
export class CliError extends TinkerError {
  constructor(
    message: string,
    readonly details: string | null = null,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message, "TINKER_CLI");
  }
}

function detailsOf(err: Error, lead?: string): string {
  return lead ? `${lead}\nDetails: ${err.message}` : `Details: ${err.message}`;
}

/** Turns any error from a command into the CliError 0.4.1's `handle_api_errors` would print. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof UnsafeArchiveError)
    return new CliError(
      "Refused to extract the checkpoint archive",
      `Details: ${err.message}. Nothing was written to the output directory.`,
    );
  if (err instanceof CheckpointDownloadError)
    return new CliError(
      "Checkpoint download failed",
      `Details: ${err.message}. Nothing was left in the output directory.`,
    );
  // An argument the SDK refuses before sending (a bad date, TTL, id) is a usage error.
  if (err instanceof ValidationError)
    return new CliError(`Invalid argument: ${err.message}`, null, EXIT.usage);
  if (err instanceof NotFoundError) return new CliError("Resource not found", detailsOf(err), EXIT.notFound);
  if (err instanceof AuthenticationError)
    return new CliError(
      "Authentication failed",
      detailsOf(err, "Please check your API key or authentication credentials."),
      EXIT.auth,
    );
  if (err instanceof PermissionDeniedError)
    return new CliError(
      "Permission denied",
      detailsOf(err, "You don't have permission to access this resource."),
      EXIT.auth,
    );
  if (err instanceof BadRequestError) return new CliError("Invalid request", detailsOf(err));
  if (err instanceof UnprocessableEntityError) return new CliError("Invalid data provided", detailsOf(err));
  if (err instanceof RateLimitError)
    return new CliError("Rate limit exceeded", detailsOf(err, "Please wait a moment before trying again."));
  if (err instanceof InternalServerError)
    return new CliError(
      "Internal server error",
      detailsOf(err, "The Tinker API encountered an internal error. Please try again later."),
    );
  // One line each: an unreachable or silent server is the commonest CLI failure, and the line
  // says what was tried (the SDK's message names the call and what it waited for).
  if (err instanceof APITimeoutError) return new CliError(`Request timeout: ${err.message}`);
  if (err instanceof APIConnectionError) {
    const code = causeCode(err);
    return new CliError(
      `Connection failed: could not reach the Tinker API${code ? ` (${code})` : ""}; check TINKER_BASE_URL and your network.`,
    );
  }
  if (err instanceof APIStatusError) return new CliError(`API error (status ${err.status})`, detailsOf(err));
  if (err instanceof APIError) return new CliError("API error occurred", detailsOf(err));
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`Unexpected error occurred: ${message}`);
}

/** The system error code (ECONNREFUSED, ENOTFOUND…) somewhere in a connection error's causes. */
function causeCode(err: Error): string | undefined {
  let e: unknown = err.cause;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    e = e.cause ?? (e as { errors?: unknown[] }).errors?.[0];
  }
  return undefined;
}
