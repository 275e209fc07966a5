// Error classes a Python user would catch by type, and misuse errors with a
// stable `code` (Python's ValueError / AssertionError cases).

/** An Error with a stable machine-readable `code`, like Node's own `ERR_*` errors. */
export class CodedError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'Error';
  }
}

export class CodedTypeError extends TypeError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class ProcessError extends Error {
  override name = 'ProcessError';
}
