// Typed errors with stable codes; server.ts maps them (and Fastify's own client errors) to HTTP.
export class StatusError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

export const badRequest = (message: string) => new StatusError(400, 'bad_request', message);
export const unauthorized = (message = 'a valid admin token is required') => new StatusError(401, 'unauthorized', message);
export const notFound = (message = 'not found') => new StatusError(404, 'not_found', message);
export const forbidden = (message: string) => new StatusError(403, 'forbidden', message);
export const unsupportedMediaType = (message: string) => new StatusError(415, 'unsupported_media_type', message);
