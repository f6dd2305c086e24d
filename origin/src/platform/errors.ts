/**
 * The one error model. Services throw these; the error middleware turns them
 * into `{"error": {"code", "message", "details"?}}` with `status`.
 */
export class AppError extends Error {
  /** Stable SCREAMING_SNAKE code clients may branch on. */
  readonly code: string;
  /** HTTP status the error middleware answers with. */
  readonly status: number;
  /** Expected in normal operation (bad input, not found); false means a bug or an outage. */
  readonly operational: boolean;
  /** Structured data the client needs to act (field errors, quantity available). */
  readonly details: unknown;
  /** Response headers that go with the error (Retry-After). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    message: string,
    options: {
      status?: number;
      operational?: boolean;
      details?: unknown;
      cause?: unknown;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.operational = options.operational ?? true;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export interface FieldProblem {
  /** Where the problem is: `body.email`, `query.limit`. */
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(problems: FieldProblem[], message = 'The request is not valid.') {
    super('VALIDATION_FAILED', message, { status: 400, details: { fields: problems } });
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, { status: 404 });
  }
}

/** A dependency (database, cache) is unreachable; the client may retry later. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { status: 503, cause });
  }
}
