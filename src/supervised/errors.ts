/**
 * The one error class of the supervised layer, with the cookbook's three kinds as stable codes.
 */
import { TinkerError } from "../errors/index.js";

/** `DATA_FORMAT`: a file or row is not what it must be; `DATA_VALIDATION`: data that cannot train; `CONFIGURATION`: a bad setting. */
export type SupervisedErrorCode = "DATA_FORMAT" | "DATA_VALIDATION" | "CONFIGURATION";

/** A supervised-training input or setting was refused (the cookbook's DataFormatError, DataValidationError, ConfigurationError). */
export class SupervisedError extends TinkerError {
  declare readonly code: SupervisedErrorCode;
  constructor(message: string, code: SupervisedErrorCode, options?: ErrorOptions) {
    super(message, code, options);
  }
}
