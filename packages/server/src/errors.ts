// Typed errors with stable codes. They are turned into HTTP statuses and Mastodon-style
// `{"error": "..."}` bodies in exactly one place: the error handler installed by buildApp.
export type ErrorCode =
  | 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict'
  | 'payload_too_large' | 'unprocessable' | 'rate_limited' | 'unavailable';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409,
  payload_too_large: 413, unprocessable: 422, rate_limited: 429, unavailable: 503,
};

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra top-level fields for the body, e.g. Mastodon's validation `details`. */
    readonly extra?: Record<string, unknown>,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.statusCode = statusOf[code];
  }
}

export const badRequest = (message: string) => new ApiError('bad_request', message);
export const unauthorized = (message = 'The access token is invalid') => new ApiError('unauthorized', message);
export const forbidden = (message = 'This action is outside the authorized scopes') => new ApiError('forbidden', message);
export const notFound = (message = 'Record not found') => new ApiError('not_found', message);
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new ApiError('unprocessable', message, details ? { details } : undefined);
/** RFC 6749 error bodies for the OAuth endpoints: `{"error": "invalid_grant", "error_description": ...}`. */
export const oauthError = (error: string, description: string, code: ErrorCode = 'bad_request') =>
  new ApiError(code, error, { error_description: description });
export const payloadTooLarge = (message: string) => new ApiError('payload_too_large', message);
export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests') =>
  new ApiError('rate_limited', message, undefined, retryAfterSeconds);
export const unavailable = (message: string, retryAfterSeconds = 5) => new ApiError('unavailable', message, undefined, retryAfterSeconds);
