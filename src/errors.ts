/** Machine-readable reason a gateway operation failed. */
export type GatewayErrorCode =
  | "CONFIG_NOT_FOUND"
  | "CONFIG_INVALID"
  | "USAGE"
  | "BACKEND_UNAVAILABLE"
  | "BACKEND_NOT_FOUND"
  | "TOOL_NOT_FOUND"
  | "INVALID_ARGUMENTS"
  | "TIMEOUT"
  | "SPAWN_FAILED"
  | "CIRCUIT_OPEN"
  | "RATE_LIMITED"
  | "CONCURRENCY_LIMITED"
  | "ACCESS_DENIED"
  | "PROMPT_NOT_FOUND"
  | "RESOURCE_NOT_FOUND"
  | "NOT_SUPPORTED"
  | "INVALID_REQUEST";

/** The one error type the gateway throws; boundaries (CLI, meta-tools, HTTP) translate it. */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: GatewayErrorCode;

  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True for a GatewayError with one of the given codes (any code when none are given). */
export function isGatewayError(err: unknown, ...codes: GatewayErrorCode[]): err is GatewayError {
  return err instanceof GatewayError && (codes.length === 0 || codes.includes(err.code));
}

/** A one-line description of any thrown value, for logs and status fields. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
