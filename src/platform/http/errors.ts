// Errors with a code and a message meant for the user; the error handler turns them into JSON.
export interface FieldError {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const badRequest = (message: string, fields: FieldError[] = []) => new HttpError(400, 'bad_request', message, fields);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
