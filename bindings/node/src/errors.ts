/**
 * The errors of the package: the C ABI's result codes, {@link AuthKVError},
 * the translation of a C error message into one, and the argument checks
 * that every layer (adapter, codec, native calls) shares, so that one
 * mistake reads the same wherever it is caught.
 */

/** `authkv_code` values, from authkv.h. */
export const Code = {
  OK: 0,
  ERROR: -1,
  ENOTFOUND: -3,
  EEXISTS: -4,
  EINVALID: -5,
  ECONSTRAINT: -6,
  ECORRUPT: -7,
  EIO: -8,
  EBUSY: -9,
  ENOMEM: -10,
  EVERSION: -11,
  EINTERNAL: -12,
  ERANGE: -13,
  EUNKNOWN: -14,
  EKEY: -15,
  ITEROVER: -31,
} as const

/**
 * The `code` of an {@link AuthKVError}: the name of the C ABI's result code
 * without its `AUTHKV_` prefix, or `"ELIBRARY"` when the shared library
 * cannot be found or loaded. An unknown C code is reported as `"ERROR"`.
 */
export type AuthKVErrorCode = Exclude<keyof typeof Code, "OK"> | "ELIBRARY"

const codeNames = new Map<number, AuthKVErrorCode>(
  Object.entries(Code)
    .filter(([name]) => name !== "OK")
    .map(([name, value]) => [value, name as AuthKVErrorCode])
)

/** An error from authkv: a real failure, never a plain "not found". */
export class AuthKVError extends Error {
  /** Which failure, e.g. `"EEXISTS"` for a duplicate email. */
  readonly code: AuthKVErrorCode
  /** The raw C result code (0 when the error did not come from a call). */
  readonly errno: number

  constructor(
    code: AuthKVErrorCode,
    message: string,
    errno = 0,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = "AuthKVError"
    this.code = code
    this.errno = errno
  }
}

/** The name of a C result code; unknown negative codes are `"ERROR"`. */
export function codeName(rc: number): AuthKVErrorCode {
  return codeNames.get(rc) ?? "ERROR"
}

/**
 * The `cause` of an AuthKVError from the library: the underlying library's
 * own text, as an Error whose `detail` is an own enumerable property.
 * Auth.js logs an error's details as `{ err, ...error.cause }`, so a plain
 * string cause was printed one character per line.
 */
export class LibraryCause extends Error {
  readonly detail: string
  constructor(detail: string) {
    super(detail)
    this.detail = detail
  }
}
// On the prototype, so that `detail` is the only own enumerable property.
LibraryCause.prototype.name = "LibraryCause"

/**
 * The AuthKVError for a C error message. The library puts the underlying
 * library's own text on a second line, "cause: ...": it goes into `cause`,
 * so the message stays one sentence a person can act on.
 */
export function errorFromC(op: string, rc: number, text: string): AuthKVError {
  const at = text.indexOf("\ncause: ")
  const message = at < 0 ? text : text.slice(0, at)
  const cause = at < 0 ? undefined : text.slice(at + "\ncause: ".length)
  return new AuthKVError(
    codeName(rc),
    `authkv: ${op}: ${message}`,
    rc,
    cause === undefined ? undefined : { cause: new LibraryCause(cause) }
  )
}

/** An `EINVALID` error saying `authkv: <message>`. */
export function invalid(message: string): AuthKVError {
  return new AuthKVError("EINVALID", `authkv: ${message}`, Code.EINVALID)
}

/**
 * The error of a call on a closed database. The adapter, the object of
 * `open()` and the native handle each refuse calls once closed, with one
 * message.
 */
export function closedError(op: string, path: string): AuthKVError {
  return invalid(`${op}: the database ${path} is closed`)
}

/**
 * `value` if it is a string, else an `EINVALID` error naming `what` (e.g.
 * `"user.email"`, `"getUser: id"`) and the type it got.
 */
export function requireString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    const got = value === null ? "null" : typeof value
    throw invalid(`${what} must be a string, got ${got}`)
  }
  return value
}
