/**
 * The only file that knows about the FFI: it loads `libauthkv.so` with koffi,
 * declares the C ABI of `bindings/c/include/authkv/authkv.h`, checks the ABI
 * version, and turns every call into bytes in, bytes (or `null`) out.
 *
 * - `(code, errmsg)` becomes an {@link AuthKVError}; `AUTHKV_ENOTFOUND`
 *   becomes `null`.
 * - Every `authkv_buf` the library fills is copied into a `Uint8Array` and
 *   disposed in a `finally`; every error message is copied and freed.
 * - Calls are synchronous: a store call takes microseconds, and handing it to
 *   a worker thread would cost more than the call (design.md §7). The hot
 *   read, `sessionAndUserGet`, writes into one reused buffer and makes one
 *   call per read. The exception is a database opened with SYNC: there every
 *   write waits for an fsync (milliseconds), so writes run on koffi's worker
 *   threads (`fn.async`), keeping the event loop free and letting concurrent
 *   writes share an fsync; reads stay synchronous.
 *
 * Thread safety: a {@link NativeDb} belongs to the JavaScript thread that
 * opened it (each worker thread opens its own library handle; a database
 * directory can be open only once per process).
 */

import { existsSync } from "node:fs"
import { join, resolve } from "node:path"
import type KoffiModule from "koffi" with { "resolution-mode": "import" }
import type { LibraryHandle } from "koffi" with { "resolution-mode": "import" }

// koffi ships CommonJS (index.cjs) beside its ES module, but its one
// index.d.ts sits in a "type": "module" package, so TypeScript only lets a
// CommonJS file import its types, not the module: require it by hand.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const koffi: typeof KoffiModule = require("koffi")

/**
 * The `AUTHKV_ABI_VERSION` this binding was written against. Loading a
 * library that reports another `authkv_abi_version()` throws.
 */
export const ABI_VERSION = 1

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

  constructor(code: AuthKVErrorCode, message: string, errno = 0) {
    super(message)
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
 * Throws unless the loaded library's ABI version is the one this binding
 * speaks. Exported so the check itself can be tested.
 */
export function checkAbiVersion(
  actual: number,
  expected: number = ABI_VERSION,
  libraryPath = "libauthkv"
): void {
  if (actual !== expected) {
    throw new AuthKVError(
      "EVERSION",
      `authkv: ${libraryPath} speaks C ABI version ${actual}, but this ` +
        `binding needs version ${expected}; rebuild the library or ` +
        "install the matching authkv package",
      Code.EVERSION
    )
  }
}

// ---------------------------------------------------------------------------
// Loading

/** Where the package lives: dist/ (or src/) is one level below it. */
const packageRoot = resolve(__dirname, "..")

/**
 * The candidate library paths, in the order {@link loadLibrary} tries them:
 * `explicit`, then `$AUTHKV_LIBRARY`, then `<package>/native/libauthkv.so`
 * (where a build installs its copy), then the in-repository build
 * `<package>/../../build/bindings/c/libauthkv.so`.
 */
export function libraryCandidates(explicit?: string): string[] {
  if (explicit) return [resolve(explicit)]
  const env = process.env.AUTHKV_LIBRARY
  if (env) return [resolve(env)]
  return [
    join(packageRoot, "native", "libauthkv.so"),
    join(packageRoot, "..", "..", "build", "bindings", "c", "libauthkv.so"),
  ]
}

type Pointer = bigint

/** A declared C function: callable, and callable on a worker thread. */
interface Call {
  (...args: any[]): any
  async(...args: any[]): void
}

/** The declared C functions. Pointers are koffi 3 BigInts. */
type Fns = Record<
  | "abiVersion"
  | "version"
  | "strerror"
  | "free"
  | "bufDispose"
  | "open"
  | "close"
  | "userCreate"
  | "userGet"
  | "userGetByEmail"
  | "userGetByAccount"
  | "userUpdate"
  | "userDelete"
  | "accountLink"
  | "accountGet"
  | "accountUpdate"
  | "accountUnlink"
  | "sessionCreate"
  | "sessionAndUserGetInto"
  | "sessionUpdate"
  | "sessionDelete"
  | "verificationTokenCreate"
  | "verificationTokenUse"
  | "authenticatorCreate"
  | "authenticatorGet"
  | "authenticatorListByUser"
  | "authenticatorUpdateCounter"
  | "purgeExpired"
  | "cacheStatsGet"
  | "accountsReencrypt",
  Call
>

/** A loaded library: its path, its version, its functions. */
export interface Library {
  readonly path: string
  readonly version: string
  /** @internal */
  readonly fns: Fns
}

const libraries = new Map<string, Library>()

// koffi type names are global to the process: declare them once.
let typesDeclared = false
function declareTypes(): void {
  if (typesDeclared) return
  koffi.opaque("authkv_db")
  koffi.struct("authkv_token_key", {
    id: "uint32_t",
    key: "const uint8_t *",
    key_len: "size_t",
  })
  koffi.struct("authkv_open_options", {
    version: "unsigned int",
    flags: "uint32_t",
    block_cache_bytes: "uint64_t",
    session_cache_bytes: "uint64_t",
    purge_interval_ms: "int64_t",
    token_keys: "const authkv_token_key *",
    token_key_count: "size_t",
  })
  koffi.struct("authkv_cache_stats", {
    hits: "uint64_t",
    misses: "uint64_t",
    entries: "uint64_t",
    bytes: "uint64_t",
    capacity_bytes: "uint64_t",
  })
  typesDeclared = true
}

function declare(lib: LibraryHandle): Fns {
  // Out buffers (`authkv_buf *`), error messages (`char **`) and length
  // outputs are passed as BigUint64Array cells and read back by hand, which
  // keeps the pointers so they can be released.
  const buf = "void *out"
  const err = "void *errmsg"
  const key = (name: string) => `const char *${name}, size_t ${name}_len`
  const bytes = "const uint8_t *data, size_t len"
  const f = (proto: string) => lib.func(proto) as unknown as Call
  const db = "authkv_db *db"
  return {
    abiVersion: f("int authkv_abi_version()"),
    version: f("const char *authkv_version()"),
    strerror: f("const char *authkv_strerror(int code)"),
    free: f("void authkv_free(void *ptr)"),
    bufDispose: f("void authkv_buf_dispose(void *buf)"),
    open: f(
      "int authkv_open(_Out_ authkv_db **out, const char *path, " +
        `const authkv_open_options *opts, ${err})`
    ),
    close: f(`void authkv_close(${db})`),

    userCreate: f(`int authkv_user_create(${buf}, ${db}, ${bytes}, ${err})`),
    userGet: f(`int authkv_user_get(${buf}, ${db}, ${key("id")}, ${err})`),
    userGetByEmail: f(
      `int authkv_user_get_by_email(${buf}, ${db}, ${key("email")}, ${err})`
    ),
    userGetByAccount: f(
      `int authkv_user_get_by_account(${buf}, ${db}, ${key("p")}, ${key("a")}, ${err})`
    ),
    userUpdate: f(`int authkv_user_update(${buf}, ${db}, ${bytes}, ${err})`),
    userDelete: f(
      `int authkv_user_delete(${buf}, ${db}, ${key("id")}, ${err})`
    ),

    accountLink: f(`int authkv_account_link(${buf}, ${db}, ${bytes}, ${err})`),
    accountGet: f(
      `int authkv_account_get(${buf}, ${db}, ${key("p")}, ${key("a")}, ${err})`
    ),
    accountUpdate: f(
      `int authkv_account_update(${buf}, ${db}, ${bytes}, ${err})`
    ),
    accountUnlink: f(
      `int authkv_account_unlink(${buf}, ${db}, ${key("p")}, ${key("a")}, ${err})`
    ),

    sessionCreate: f(
      `int authkv_session_create(${buf}, ${db}, ${bytes}, ${err})`
    ),
    sessionAndUserGetInto: f(
      "int authkv_session_and_user_get_into(uint8_t *dst, size_t cap, " +
        `void *len_out, ${db}, ${key("token")}, ${err})`
    ),
    sessionUpdate: f(
      `int authkv_session_update(${buf}, ${db}, ${key("token")}, int64_t expires_ms, ${err})`
    ),
    sessionDelete: f(
      `int authkv_session_delete(${buf}, ${db}, ${key("token")}, ${err})`
    ),

    verificationTokenCreate: f(
      `int authkv_verification_token_create(${buf}, ${db}, ${bytes}, ${err})`
    ),
    verificationTokenUse: f(
      `int authkv_verification_token_use(${buf}, ${db}, ${key("i")}, ${key("t")}, ${err})`
    ),

    authenticatorCreate: f(
      `int authkv_authenticator_create(${buf}, ${db}, ${bytes}, ${err})`
    ),
    authenticatorGet: f(
      `int authkv_authenticator_get(${buf}, ${db}, ${key("id")}, ${err})`
    ),
    authenticatorListByUser: f(
      `int authkv_authenticator_list_by_user(${buf}, ${db}, ${key("id")}, ${err})`
    ),
    authenticatorUpdateCounter: f(
      `int authkv_authenticator_update_counter(${buf}, ${db}, ${key("id")}, uint64_t counter, ${err})`
    ),

    cacheStatsGet: f(
      `int authkv_cache_stats_get(_Out_ authkv_cache_stats *out, ${db}, ${err})`
    ),
    accountsReencrypt: f(
      `int authkv_accounts_reencrypt(void *rewritten_out, ${db}, ${err})`
    ),
    purgeExpired: f(
      `int authkv_purge_expired(void *sessions_out, void *tokens_out, ${db}, int64_t now_ms, ${err})`
    ),
  }
}

/**
 * Loads (once per path) and checks the shared library. The path comes from
 * `explicit`, else `$AUTHKV_LIBRARY`, else the package's `native/` copy,
 * else the in-repository build (see {@link libraryCandidates}).
 */
export function loadLibrary(explicit?: string): Library {
  if (koffi.sizeof("void *") !== 8 || koffi.sizeof("size_t") !== 8) {
    throw new AuthKVError(
      "ELIBRARY",
      "authkv: only 64-bit platforms are supported"
    )
  }
  const candidates = libraryCandidates(explicit)
  const path = candidates.find((p) => existsSync(p))
  if (!path) {
    throw new AuthKVError(
      "ELIBRARY",
      `authkv: libauthkv.so not found (tried ${candidates.join(", ")}); ` +
        "set the libraryPath option or AUTHKV_LIBRARY"
    )
  }
  const cached = libraries.get(path)
  if (cached) return cached

  declareTypes()
  let fns: Fns
  try {
    fns = declare(koffi.load(path))
  } catch (err) {
    throw new AuthKVError(
      "ELIBRARY",
      `authkv: cannot load ${path}: ${(err as Error).message}`
    )
  }
  checkAbiVersion(fns.abiVersion(), ABI_VERSION, path)
  const library: Library = { path, version: fns.version(), fns }
  libraries.set(path, library)
  return library
}

// ---------------------------------------------------------------------------
// Copying out of library memory

type Memcpy = (dst: Uint8Array, src: Pointer, size: number) => void
let memcpy: Memcpy | null | undefined

/**
 * Copies `size` bytes at `ptr` into a new Buffer. `memcpy` (found in the
 * process's global symbols) into a pooled Buffer costs ~0.3 µs for a small
 * record, where `koffi.view(ptr, size).slice()` costs ~8 µs (an external
 * ArrayBuffer per call); the latter stays as a fallback.
 */
function copyOut(ptr: Pointer, size: number): Buffer {
  if (memcpy === undefined) {
    try {
      memcpy = koffi
        .load(null)
        .func("void memcpy(uint8_t *dst, void *src, size_t size)") as Memcpy
    } catch {
      memcpy = null
    }
  }
  if (memcpy === null) return Buffer.from(koffi.view(ptr, size).slice(0))
  const out = Buffer.allocUnsafe(size)
  memcpy(out, ptr, size)
  return out
}

/**
 * The out-parameters of one call: `authkv_buf { data, size }` and
 * `char *errmsg`, as 64-bit cells the library writes through pointers.
 */
interface Cells {
  out: BigUint64Array
  err: BigUint64Array
}

/**
 * Cells for a call on a worker thread: in a pooled Buffer, whose memory is
 * off the V8 heap and never moves while the worker writes it (a small typed
 * array may live on the heap). Pool slices are 8-byte aligned.
 */
function stableCells(): Cells {
  const mem = Buffer.allocUnsafe(24)
  const cells = new BigUint64Array(mem.buffer, mem.byteOffset, 3)
  cells.fill(0n)
  return { out: cells.subarray(0, 2), err: cells.subarray(2, 3) }
}

const EMPTY = Buffer.alloc(0)

// ---------------------------------------------------------------------------
// Lifetimes: explicit close(), a FinalizationRegistry for handles that are
// dropped without it, and a process "exit" hook so RocksDB shuts down cleanly.

interface Held {
  fns: Fns
  ptr: Pointer
}

const finalizer = new FinalizationRegistry<Held>((held) => {
  held.fns.close(held.ptr)
})

const openDbs = new Set<WeakRef<NativeDb>>()
let exitHookInstalled = false
function closeAllAtExit(): void {
  for (const ref of openDbs) ref.deref()?.closeAtExit()
  openDbs.clear()
}

/** Flags of `authkv_open_options`, from authkv.h. */
export const OpenFlag = {
  CREATE: 0x1,
  READONLY: 0x2,
  SYNC: 0x4,
  EMAIL_EXACT: 0x8,
  NO_SESSION_CACHE: 0x10,
} as const

/** `AUTHKV_OPEN_OPTIONS_VERSION` of the header this binding was written for. */
const OPEN_OPTIONS_VERSION = 2

/** Arguments of {@link openNative}. */
export interface NativeOpenOptions {
  /** `AUTHKV_OPEN_*` bits. */
  flags: number
  /** RocksDB block cache bytes; 0 for the library's default. */
  blockCacheBytes?: number
  /** Session cache bytes; 0 for the library's default. */
  sessionCacheBytes?: number
  /** Background purge period; 0 for none. */
  purgeIntervalMs?: number
  /** Token encryption keys, the sealing key first. */
  tokenKeys?: ReadonlyArray<{ id: number; key: Uint8Array }>
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8")
}

function requireString(what: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new AuthKVError(
      "EINVALID",
      `authkv: ${what} must be a string, got ${value === null ? "null" : typeof value}`,
      Code.EINVALID
    )
  }
  return value
}

/** A write's result: what {@link NativeDb} write methods return. */
type Written<T> = T | Promise<T>

/**
 * One open database, at the level of the C ABI: strings and FlatBuffer
 * bytes in, FlatBuffer bytes (or `null` for not found) out.
 *
 * Reads are synchronous. Writes are synchronous too, unless the database was
 * opened with `OpenFlag.SYNC`: then they return promises and run on worker
 * threads. Bytes returned are owned by the caller, except those of
 * {@link sessionAndUserGet}.
 */
export class NativeDb {
  readonly library: Library
  readonly path: string
  #ptr: Pointer
  /** close() was called while worker-thread calls were running. */
  #closing = false
  #inflight = 0
  readonly #async: boolean
  readonly #fns: Fns
  /** The out-parameters of synchronous calls. */
  readonly #cells: Cells = {
    out: new BigUint64Array(2),
    err: new BigUint64Array(1),
  }
  /** size_t / uint64_t outputs. */
  readonly #len = new BigUint64Array(1)
  readonly #len2 = new BigUint64Array(1)
  /** The reused destination of the hot read. */
  #hot: Buffer = Buffer.allocUnsafe(4096)
  readonly #ref: WeakRef<NativeDb>

  /** @internal Use {@link openNative}. */
  constructor(library: Library, path: string, ptr: Pointer, flags: number) {
    this.library = library
    this.path = path
    this.#ptr = ptr
    this.#fns = library.fns
    this.#async = (flags & OpenFlag.SYNC) !== 0
    this.#ref = new WeakRef(this)
    finalizer.register(this, { fns: this.#fns, ptr }, this)
    openDbs.add(this.#ref)
    if (!exitHookInstalled) {
      process.on("exit", closeAllAtExit)
      exitHookInstalled = true
    }
  }

  /** Whether {@link close} has run. */
  get closed(): boolean {
    return this.#ptr === 0n || this.#closing
  }

  /** Whether writes run on worker threads (the database syncs each write). */
  get asyncWrites(): boolean {
    return this.#async
  }

  /**
   * Closes the database (RocksDB shuts down cleanly). Idempotent. Every later
   * call throws an `AuthKVError` with code `"EINVALID"`. Writes still running
   * on worker threads finish first; the handle is released after the last.
   */
  close(): void {
    if (this.closed) return
    finalizer.unregister(this)
    openDbs.delete(this.#ref)
    if (this.#inflight > 0) this.#closing = true
    else this.#release()
  }

  /** At process exit: close unless a worker thread is inside a call. */
  closeAtExit(): void {
    if (this.#inflight === 0) this.close()
  }

  #release(): void {
    const ptr = this.#ptr
    this.#ptr = 0n
    this.#closing = false
    if (ptr !== 0n) this.#fns.close(ptr)
  }

  #db(op: string): Pointer {
    if (this.closed) {
      throw new AuthKVError(
        "EINVALID",
        `authkv: ${op}: the database ${this.path} is closed`,
        Code.EINVALID
      )
    }
    return this.#ptr
  }

  /** Takes (copies and frees) the error message a call left in `cells`. */
  #takeError(cells: Cells): string | null {
    const ptr = cells.err[0]
    if (ptr === 0n) return null
    cells.err[0] = 0n
    try {
      return koffi.decode.string(ptr)
    } finally {
      this.#fns.free(ptr)
    }
  }

  #error(op: string, rc: number, cells: Cells): AuthKVError {
    const message = this.#takeError(cells) ?? this.#fns.strerror(rc)
    return new AuthKVError(codeName(rc), `authkv: ${op}: ${message}`, rc)
  }

  /**
   * Finishes a call: with `want`, the bytes it returned (copied), else empty
   * bytes; `null` for not found; an error otherwise. The buffer and the
   * message are always released, whatever happens while copying.
   */
  #finish(
    op: string,
    rc: number,
    cells: Cells,
    want: boolean
  ): Uint8Array | null {
    const { out, err } = cells
    try {
      if (rc === Code.OK) {
        if (!want || out[0] === 0n || out[1] === 0n) return EMPTY
        return copyOut(out[0], Number(out[1]))
      }
      if (rc === Code.ENOTFOUND) return null
      throw this.#error(op, rc, cells)
    } finally {
      // authkv_buf_dispose on an empty buffer is a no-op: skip the FFI hop.
      if (out[0] !== 0n) this.#fns.bufDispose(out)
      out[1] = 0n
      if (err[0] !== 0n) this.#takeError(cells)
    }
  }

  /** A read: one synchronous call with the shared cells. */
  #read(op: string, fn: Call, args: unknown[]): Uint8Array | null {
    const db = this.#db(op)
    const cells = this.#cells
    return this.#finish(op, fn(cells.out, db, ...args, cells.err), cells, true)
  }

  /**
   * A write: synchronous, or on a worker thread for a SYNC database. Byte
   * arguments are copied for the worker, so the caller may reuse them.
   */
  #write(
    op: string,
    fn: Call,
    want: boolean,
    args: unknown[]
  ): Written<Uint8Array | null> {
    const db = this.#db(op)
    if (!this.#async) {
      const cells = this.#cells
      const rc = fn(want ? cells.out : null, db, ...args, cells.err)
      return this.#finish(op, rc, cells, want)
    }
    const cells = stableCells()
    const stable = args.map((a) =>
      a instanceof Uint8Array ? Buffer.from(a) : a
    )
    this.#inflight++
    return new Promise((resolve, reject) => {
      fn.async(
        want ? cells.out : null,
        db,
        ...stable,
        cells.err,
        (err: unknown, rc: number) => {
          this.#inflight--
          try {
            if (err) throw err
            resolve(this.#finish(op, rc, cells, want))
          } catch (e) {
            reject(e)
          } finally {
            if (this.#inflight === 0 && this.#closing) this.#release()
          }
        }
      )
    })
  }

  static #key(op: string, what: string, value: unknown): [string, number] {
    const s = requireString(`${op}: ${what}`, value)
    return [s, utf8Length(s)]
  }

  // --- Users ---------------------------------------------------------------

  /** A User FlatBuffer in, the stored User out. */
  userCreate(user: Uint8Array): Written<Uint8Array> {
    return this.#write("createUser", this.#fns.userCreate, true, [
      user,
      user.length,
    ]) as Written<Uint8Array>
  }
  userGet(id: string): Uint8Array | null {
    return this.#read(
      "getUser",
      this.#fns.userGet,
      NativeDb.#key("getUser", "id", id)
    )
  }
  userGetByEmail(email: string): Uint8Array | null {
    const op = "getUserByEmail"
    return this.#read(
      op,
      this.#fns.userGetByEmail,
      NativeDb.#key(op, "email", email)
    )
  }
  userGetByAccount(
    provider: string,
    providerAccountId: string
  ): Uint8Array | null {
    const op = "getUserByAccount"
    return this.#read(op, this.#fns.userGetByAccount, [
      ...NativeDb.#key(op, "provider", provider),
      ...NativeDb.#key(op, "providerAccountId", providerAccountId),
    ])
  }
  /** A User patch in; the whole updated User out, `null` if missing. */
  userUpdate(patch: Uint8Array): Written<Uint8Array | null> {
    return this.#write("updateUser", this.#fns.userUpdate, true, [
      patch,
      patch.length,
    ])
  }
  userDelete(id: string): Written<Uint8Array | null> {
    const op = "deleteUser"
    return this.#write(
      op,
      this.#fns.userDelete,
      true,
      NativeDb.#key(op, "id", id)
    )
  }

  // --- Accounts --------------------------------------------------------------

  /** Links an Account; the stored Account out. */
  accountLink(account: Uint8Array): Written<Uint8Array> {
    return this.#write("linkAccount", this.#fns.accountLink, true, [
      account,
      account.length,
    ]) as Written<Uint8Array>
  }
  accountGet(provider: string, providerAccountId: string): Uint8Array | null {
    const op = "getAccount"
    return this.#read(op, this.#fns.accountGet, [
      ...NativeDb.#key(op, "provider", provider),
      ...NativeDb.#key(op, "providerAccountId", providerAccountId),
    ])
  }
  accountUpdate(patch: Uint8Array): Written<Uint8Array | null> {
    return this.#write("updateAccount", this.#fns.accountUpdate, true, [
      patch,
      patch.length,
    ])
  }
  accountUnlink(
    provider: string,
    providerAccountId: string
  ): Written<Uint8Array | null> {
    const op = "unlinkAccount"
    return this.#write(op, this.#fns.accountUnlink, true, [
      ...NativeDb.#key(op, "provider", provider),
      ...NativeDb.#key(op, "providerAccountId", providerAccountId),
    ])
  }

  // --- Sessions --------------------------------------------------------------

  sessionCreate(session: Uint8Array): Written<Uint8Array> {
    return this.#write("createSession", this.#fns.sessionCreate, true, [
      session,
      session.length,
    ]) as Written<Uint8Array>
  }

  /**
   * The hot read: the SessionAndUser FlatBuffer for `token`, or `null`.
   * The result is a view of a buffer reused by the next read on this
   * database: decode it before making another call.
   */
  sessionAndUserGet(token: string): Uint8Array | null {
    const op = "getSessionAndUser"
    const db = this.#db(op)
    const [t, tn] = NativeDb.#key(op, "sessionToken", token)
    const cells = this.#cells
    for (let attempt = 0; attempt < 4; attempt++) {
      const dst = this.#hot
      const rc = this.#fns.sessionAndUserGetInto(
        dst,
        dst.length,
        this.#len,
        db,
        t,
        tn,
        cells.err
      )
      const len = Number(this.#len[0])
      if (rc === Code.ERANGE) {
        if (cells.err[0] !== 0n) this.#takeError(cells)
        // Grow to the next power of two that fits, and retry.
        let size = dst.length * 2
        while (size < len) size *= 2
        this.#hot = Buffer.allocUnsafe(size)
        continue
      }
      if (this.#finish(op, rc, cells, false) === null) return null
      return this.#hot.subarray(0, len)
    }
    throw new AuthKVError(
      "EINTERNAL",
      `authkv: ${op}: the record kept outgrowing the buffer`,
      Code.EINTERNAL
    )
  }

  sessionUpdate(token: string, expiresMs: number): Written<Uint8Array | null> {
    const op = "updateSession"
    return this.#write(op, this.#fns.sessionUpdate, true, [
      ...NativeDb.#key(op, "sessionToken", token),
      expiresMs,
    ])
  }
  sessionDelete(token: string): Written<Uint8Array | null> {
    const op = "deleteSession"
    return this.#write(
      op,
      this.#fns.sessionDelete,
      true,
      NativeDb.#key(op, "sessionToken", token)
    )
  }

  // --- Verification tokens ---------------------------------------------------

  /** Stores a VerificationToken; the caller already has what was stored. */
  verificationTokenCreate(token: Uint8Array): Written<unknown> {
    return this.#write(
      "createVerificationToken",
      this.#fns.verificationTokenCreate,
      false,
      [token, token.length]
    )
  }
  verificationTokenUse(
    identifier: string,
    token: string
  ): Written<Uint8Array | null> {
    const op = "useVerificationToken"
    return this.#write(op, this.#fns.verificationTokenUse, true, [
      ...NativeDb.#key(op, "identifier", identifier),
      ...NativeDb.#key(op, "token", token),
    ])
  }

  // --- Authenticators --------------------------------------------------------

  authenticatorCreate(authenticator: Uint8Array): Written<Uint8Array> {
    return this.#write(
      "createAuthenticator",
      this.#fns.authenticatorCreate,
      true,
      [authenticator, authenticator.length]
    ) as Written<Uint8Array>
  }
  authenticatorGet(credentialId: string): Uint8Array | null {
    const op = "getAuthenticator"
    return this.#read(
      op,
      this.#fns.authenticatorGet,
      NativeDb.#key(op, "credentialID", credentialId)
    )
  }
  /** An AuthenticatorList FlatBuffer (empty list for an unknown user). */
  authenticatorListByUser(userId: string): Uint8Array {
    const op = "listAuthenticatorsByUserId"
    return (
      this.#read(
        op,
        this.#fns.authenticatorListByUser,
        NativeDb.#key(op, "userId", userId)
      ) ?? EMPTY
    )
  }
  authenticatorUpdateCounter(
    credentialId: string,
    counter: number
  ): Written<Uint8Array | null> {
    const op = "updateAuthenticatorCounter"
    return this.#write(op, this.#fns.authenticatorUpdateCounter, true, [
      ...NativeDb.#key(op, "credentialID", credentialId),
      counter,
    ])
  }

  // --- Maintenance -------------------------------------------------------------

  /** The session cache's counters. */
  cacheStats(): {
    hits: number
    misses: number
    entries: number
    bytes: number
    capacityBytes: number
  } {
    const op = "cacheStats"
    const db = this.#db(op)
    // koffi fills an object passed for an _Out_ struct pointer.
    const s: Record<string, bigint | number> = {}
    const cells = this.#cells
    const rc = this.#fns.cacheStatsGet(s, db, cells.err)
    this.#finish(op, rc, cells, false)
    return {
      hits: Number(s.hits ?? 0),
      misses: Number(s.misses ?? 0),
      entries: Number(s.entries ?? 0),
      bytes: Number(s.bytes ?? 0),
      capacityBytes: Number(s.capacity_bytes ?? 0),
    }
  }

  /** Re-seals every account's tokens with the current token key. */
  reencryptAccounts(): number {
    const op = "reencryptAccounts"
    const db = this.#db(op)
    this.#len[0] = 0n
    const cells = this.#cells
    const rc = this.#fns.accountsReencrypt(this.#len, db, cells.err)
    this.#finish(op, rc, cells, false)
    return Number(this.#len[0])
  }

  /** Deletes sessions and tokens that expired before `nowMs` (synchronous). */
  purgeExpired(nowMs: number): {
    sessions: number
    verificationTokens: number
  } {
    const op = "purgeExpired"
    const db = this.#db(op)
    this.#len[0] = 0n
    this.#len2[0] = 0n
    const cells = this.#cells
    const rc = this.#fns.purgeExpired(
      this.#len,
      this.#len2,
      db,
      nowMs,
      cells.err
    )
    this.#finish(op, rc, cells, false)
    return {
      sessions: Number(this.#len[0]),
      verificationTokens: Number(this.#len2[0]),
    }
  }
}

/**
 * The NativeDb behind each database object that `open()` returned. Not part
 * of the package's exports: the tests reach it to read records without the
 * adapter.
 */
export const nativeHandles = new WeakMap<object, NativeDb>()

/** Opens (or creates) the database in directory `path`. */
export function openNative(
  library: Library,
  path: string,
  options: NativeOpenOptions
): NativeDb {
  const out: [Pointer | null] = [null]
  const err = new BigUint64Array(1)
  const keys = options.tokenKeys ?? []
  const opts = {
    version: OPEN_OPTIONS_VERSION,
    flags: options.flags,
    block_cache_bytes: options.blockCacheBytes ?? 0,
    session_cache_bytes: options.sessionCacheBytes ?? 0,
    purge_interval_ms: options.purgeIntervalMs ?? 0,
    token_keys: keys.length
      ? keys.map((k) => ({ id: k.id, key: k.key, key_len: k.key.length }))
      : null,
    token_key_count: keys.length,
  }
  const rc = library.fns.open(out, path, opts, err)
  let message: string | null = null
  if (err[0] !== 0n) {
    try {
      message = koffi.decode.string(err[0])
    } finally {
      library.fns.free(err[0])
    }
  }
  if (rc !== Code.OK) {
    if (out[0]) library.fns.close(out[0])
    throw new AuthKVError(
      codeName(rc),
      `authkv: open ${path}: ${message ?? library.fns.strerror(rc)}`,
      rc
    )
  }
  if (!out[0]) {
    throw new AuthKVError(
      "EINTERNAL",
      `authkv: open ${path}: no handle`,
      Code.EINTERNAL
    )
  }
  return new NativeDb(library, path, BigInt(out[0]), options.flags)
}
