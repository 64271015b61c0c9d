/**
 * The C functions of `bindings/c/include/authkv/authkv.h` that the binding
 * calls, each described once. {@link storeCalls} has one row per store
 * call, and everything about the call comes from its row: the koffi
 * prototype ({@link prototypeOf}), how its JavaScript arguments cross
 * ({@link cArgs}), and the method native.ts's `NativeDb` gets for it, with
 * its type ({@link StoreMethods}). A new store call is a new row.
 * {@link libraryCalls} holds the rest, which native.ts calls by hand: the
 * library's own functions, the hot read (into a reused buffer) and the
 * cache counters (into a struct).
 *
 * Every store call follows the ABI's conventions (authkv.h, Conventions
 * 4): its out-parameters come first, then the database, then its
 * arguments, then `char **errmsg`.
 */

import { requireString } from "./errors"

/** How one JavaScript argument crosses the C ABI. */
type Arg =
  /** FlatBuffer bytes (`Uint8Array`): `const uint8_t *`, `size_t`. */
  | { readonly kind: "bytes"; readonly name: string }
  /** A string, as UTF-8 with its byte length: `const char *`, `size_t`. */
  | { readonly kind: "key"; readonly name: string }
  /** A number: `int64_t` or `uint64_t`. */
  | { readonly kind: "int64" | "uint64"; readonly name: string }

const bytes = <N extends string>(name: N) => ({ kind: "bytes", name }) as const
const key = <N extends string>(name: N) => ({ kind: "key", name }) as const
const int64 = <N extends string>(name: N) => ({ kind: "int64", name }) as const
const uint64 = <N extends string>(name: N) =>
  ({ kind: "uint64", name }) as const

/**
 * What a store call gives back in its `authkv_buf`:
 * - `"record"`: the FlatBuffer; these calls (the creates) never report
 *   not-found, so it is typed as always present;
 * - `"recordOrNull"`: the FlatBuffer, `null` for `AUTHKV_ENOTFOUND`;
 * - `"recordOrEmpty"`: the FlatBuffer, empty bytes for not-found (an empty
 *   list);
 * - `"nothing"`: the caller has the record already, so `out` is NULL
 *   (authkv.h, Conventions 8).
 */
type BufferResult = "record" | "recordOrNull" | "recordOrEmpty" | "nothing"

/**
 * `uint64_t` out-parameters instead of the buffer, one per name, read back
 * as numbers under those names.
 */
interface CountersResult {
  readonly counters: readonly string[]
}

/**
 * Where a call runs. `"read"`: synchronously. `"write"`: synchronously,
 * or on a worker thread when the database was opened with SYNC (every
 * write waits for an fsync). `"worker"`: always on a worker thread, for
 * calls that may take long (a large batch, a walk over every record).
 */
type Mode = "read" | "write" | "worker"

/**
 * One store call. The calls that count (purge, re-encryption) walk many
 * records, so they always run on a worker thread; the binding has no
 * synchronous path for counters.
 */
export type StoreCall = {
  /** The C function. */
  readonly c: string
  /** The Auth.js operation its errors are reported under. */
  readonly op: string
  readonly args: readonly Arg[]
} & (
  | { readonly result: BufferResult; readonly mode: Mode }
  | { readonly result: CountersResult; readonly mode: "worker" }
)

/** The store calls, each the `NativeDb` method of the same name. */
export const storeCalls = {
  userCreate: {
    c: "authkv_user_create",
    op: "createUser",
    args: [bytes("user")],
    result: "record",
    mode: "write",
  },
  userGet: {
    c: "authkv_user_get",
    op: "getUser",
    args: [key("id")],
    result: "recordOrNull",
    mode: "read",
  },
  userGetByEmail: {
    c: "authkv_user_get_by_email",
    op: "getUserByEmail",
    args: [key("email")],
    result: "recordOrNull",
    mode: "read",
  },
  userGetByAccount: {
    c: "authkv_user_get_by_account",
    op: "getUserByAccount",
    args: [key("provider"), key("providerAccountId")],
    result: "recordOrNull",
    mode: "read",
  },
  /** A User patch in; the whole updated User out, `null` if missing. */
  userUpdate: {
    c: "authkv_user_update",
    op: "updateUser",
    args: [bytes("patch")],
    result: "recordOrNull",
    mode: "write",
  },
  /**
   * Deletes the user with everything it owns. On a worker thread: a user
   * with thousands of sessions is one large batch, and the event loop must
   * not wait for it.
   */
  userDelete: {
    c: "authkv_user_delete",
    op: "deleteUser",
    args: [key("id")],
    result: "recordOrNull",
    mode: "worker",
  },

  accountLink: {
    c: "authkv_account_link",
    op: "linkAccount",
    args: [bytes("account")],
    result: "record",
    mode: "write",
  },
  accountGet: {
    c: "authkv_account_get",
    op: "getAccount",
    args: [key("provider"), key("providerAccountId")],
    result: "recordOrNull",
    mode: "read",
  },
  accountUpdate: {
    c: "authkv_account_update",
    op: "updateAccount",
    args: [bytes("patch")],
    result: "recordOrNull",
    mode: "write",
  },
  accountUnlink: {
    c: "authkv_account_unlink",
    op: "unlinkAccount",
    args: [key("provider"), key("providerAccountId")],
    result: "recordOrNull",
    mode: "write",
  },

  sessionCreate: {
    c: "authkv_session_create",
    op: "createSession",
    args: [bytes("session")],
    result: "record",
    mode: "write",
  },
  sessionUpdate: {
    c: "authkv_session_update",
    op: "updateSession",
    args: [key("sessionToken"), int64("expiresMs")],
    result: "recordOrNull",
    mode: "write",
  },
  sessionDelete: {
    c: "authkv_session_delete",
    op: "deleteSession",
    args: [key("sessionToken")],
    result: "recordOrNull",
    mode: "write",
  },

  verificationTokenCreate: {
    c: "authkv_verification_token_create",
    op: "createVerificationToken",
    args: [bytes("token")],
    result: "nothing",
    mode: "write",
  },
  verificationTokenUse: {
    c: "authkv_verification_token_use",
    op: "useVerificationToken",
    args: [key("identifier"), key("token")],
    result: "recordOrNull",
    mode: "write",
  },

  authenticatorCreate: {
    c: "authkv_authenticator_create",
    op: "createAuthenticator",
    args: [bytes("authenticator")],
    result: "record",
    mode: "write",
  },
  authenticatorGet: {
    c: "authkv_authenticator_get",
    op: "getAuthenticator",
    args: [key("credentialID")],
    result: "recordOrNull",
    mode: "read",
  },
  /** An AuthenticatorList FlatBuffer (empty bytes for an unknown user). */
  authenticatorListByUser: {
    c: "authkv_authenticator_list_by_user",
    op: "listAuthenticatorsByUserId",
    args: [key("userId")],
    result: "recordOrEmpty",
    mode: "read",
  },
  authenticatorUpdateCounter: {
    c: "authkv_authenticator_update_counter",
    op: "updateAuthenticatorCounter",
    args: [key("credentialID"), uint64("counter")],
    result: "recordOrNull",
    mode: "write",
  },

  /** Re-seals every account's tokens with the current token key. */
  reencryptAccounts: {
    c: "authkv_accounts_reencrypt",
    op: "reencryptAccounts",
    args: [],
    result: { counters: ["rewritten"] },
    mode: "worker",
  },
  /**
   * Deletes sessions and tokens that expired before `nowMs` (the library
   * commits them in batches).
   */
  purgeExpired: {
    c: "authkv_purge_expired",
    op: "purgeExpired",
    args: [int64("nowMs")],
    result: { counters: ["sessions", "verificationTokens"] },
    mode: "worker",
  },
} as const satisfies Record<string, StoreCall>

export type StoreCallName = keyof typeof storeCalls

/** The names of the store calls, in the table's order. */
export const storeCallNames = Object.keys(storeCalls) as StoreCallName[]

/**
 * The C functions outside the table, by the name native.ts calls them.
 * Out buffers, error messages and length outputs are `void *`: they are
 * passed as BigUint64Array cells and read back by hand, which keeps the
 * pointers so they can be released.
 */
export const libraryCalls = {
  abiVersion: "int authkv_abi_version()",
  version: "const char *authkv_version()",
  strerror: "const char *authkv_strerror(int code)",
  free: "void authkv_free(void *ptr)",
  bufDispose: "void authkv_buf_dispose(void *buf)",
  open:
    "int authkv_open(_Out_ authkv_db **out, const char *path, " +
    "const authkv_open_options *opts, void *errmsg)",
  close: "void authkv_close(authkv_db *db)",
  sessionAndUserGetInto:
    "int authkv_session_and_user_get_into(uint8_t *dst, size_t cap, " +
    "void *len_out, authkv_db *db, const char *token, size_t token_len, " +
    "void *errmsg)",
  cacheStatsGet:
    "int authkv_cache_stats_get(_Out_ authkv_cache_stats *out, " +
    "authkv_db *db, void *errmsg)",
} as const

/** The C parameters of one argument. */
function paramsOf(arg: Arg): string {
  switch (arg.kind) {
    case "bytes":
      return `const uint8_t *${arg.name}, size_t ${arg.name}_len`
    case "key":
      return `const char *${arg.name}, size_t ${arg.name}_len`
    case "int64":
    case "uint64":
      return `${arg.kind}_t ${arg.name}`
  }
}

/** The koffi prototype of a store call. */
export function prototypeOf(row: StoreCall): string {
  const { result } = row
  const outs =
    typeof result === "object"
      ? result.counters.map((name) => `void *${name}_out`)
      : ["void *out"]
  const params = [...outs, "authkv_db *db", ...row.args.map(paramsOf)]
  return `int ${row.c}(${[...params, "void *errmsg"].join(", ")})`
}

/**
 * The C values of a store call's arguments, between `db` and `errmsg`. A
 * key that is not a string is an `EINVALID` error naming the operation and
 * the argument, before anything is called.
 */
export function cArgs(
  op: string,
  args: readonly Arg[],
  values: readonly unknown[]
): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const value = values[i]
    if (arg.kind === "key") {
      const s = requireString(value, `${op}: ${arg.name}`)
      out.push(s, Buffer.byteLength(s, "utf8"))
    } else if (arg.kind === "bytes") {
      out.push(value, (value as Uint8Array).length)
    } else {
      out.push(value)
    }
  }
  return out
}

// ---------------------------------------------------------------------------
// The methods' types, from the rows

type JsArg<A> = A extends { kind: "bytes" }
  ? Uint8Array
  : A extends { kind: "key" }
    ? string
    : number

type JsArgs<Args extends readonly unknown[]> = {
  -readonly [I in keyof Args]: JsArg<Args[I]>
}

// A `"nothing"` call gives `unknown`: whatever comes back is not meant to
// be read.
type JsResult<R> = R extends "record" | "recordOrEmpty"
  ? Uint8Array
  : R extends "recordOrNull"
    ? Uint8Array | null
    : R extends { counters: readonly (infer N extends string)[] }
      ? { [K in N]: number }
      : unknown

type Returned<M, T> = M extends "read"
  ? T
  : M extends "write"
    ? T | Promise<T>
    : Promise<T>

/**
 * The method each row becomes: its arguments in order, and its result,
 * synchronous, a promise, or either (a write) as its mode says.
 */
export type StoreMethods = {
  [K in StoreCallName]: (
    ...args: JsArgs<(typeof storeCalls)[K]["args"]>
  ) => Returned<
    (typeof storeCalls)[K]["mode"],
    JsResult<(typeof storeCalls)[K]["result"]>
  >
}
