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
 * Process-wide state (the loaded libraries, the open databases, the async
 * call slots) lives on `globalThis` under a registered symbol, not in this
 * module: bundlers and dev servers evaluate a module several times (hot
 * reload, one copy per bundle, test runners resetting modules), and every
 * copy must find the same open databases. koffi's type names are global
 * too, so they are declared once.
 *
 * Thread safety: a {@link NativeDb} belongs to the JavaScript thread that
 * opened it (a worker thread has its own `globalThis`, so its own handles;
 * the library shares one store per directory between them, and a
 * terminated worker's handles are closed by the env-cleanup hook).
 */

import { existsSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
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
  /** @internal */
  readonly envHook: EnvHook | null
}

/** The env-cleanup hook's functions: handles to close if the thread ends. */
interface EnvHook {
  bind(libraryPath: string): void
  track(handle: bigint): void
  untrack(handle: bigint): void
}

/** What every evaluation of this module in one thread shares. */
interface ThreadState {
  /** Loaded libraries by path. */
  libraries: Map<string, Library>
  /** The open database of each directory, by "st_dev:st_ino". */
  stores: Map<string, NativeDb>
  /** Worker-thread call slots, shared by every database. */
  slots: AsyncSlots
  /** Closes the open databases at process exit; installed once. */
  exitHookInstalled: boolean
}

const STATE_KEY = Symbol.for("authkv.native.state.v1")

function threadState(): ThreadState {
  const g = globalThis as unknown as Record<symbol, ThreadState | undefined>
  let state = g[STATE_KEY]
  if (!state) {
    state = {
      libraries: new Map(),
      stores: new Map(),
      slots: new AsyncSlots(MAX_ASYNC_CALLS),
      exitHookInstalled: false,
    }
    g[STATE_KEY] = state
  }
  return state
}

/**
 * koffi refuses more than a fixed number of asynchronous calls at once
 * ("Too many asynchronous calls are running"), counted across everything
 * in the thread. authkv keeps well under it and queues the rest in JS, so
 * any number of concurrent writes succeed.
 */
const MAX_ASYNC_CALLS = 64

class AsyncSlots {
  #free: number
  readonly #waiting: Array<() => void> = []
  constructor(slots: number) {
    this.#free = slots
  }
  /** Runs `start` now if a slot is free, else when one is. */
  run(start: () => void): void {
    if (this.#free > 0) {
      this.#free--
      start()
    } else {
      this.#waiting.push(start)
    }
  }
  /** Gives back the slot of a call that finished (or failed to start). */
  done(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free++
  }
}

// koffi type names are global to its instance, which outlives any one
// evaluation of this module: a name declared already is kept.
function declareType(declare: () => unknown): void {
  try {
    declare()
  } catch (err) {
    if (!/Duplicate type name/.test(String((err as Error)?.message))) throw err
  }
}

function declareTypes(): void {
  declareType(() => koffi.opaque("authkv_db"))
  declareType(() =>
    koffi.struct("authkv_token_key", {
      id: "uint32_t",
      key: "const uint8_t *",
      key_len: "size_t",
    })
  )
  declareType(() => koffi.struct("authkv_open_options", {
    version: "unsigned int",
    flags: "uint32_t",
    block_cache_bytes: "uint64_t",
    session_cache_bytes: "uint64_t",
    purge_interval_ms: "int64_t",
    token_keys: "const authkv_token_key *",
    token_key_count: "size_t",
  }))
  declareType(() =>
    koffi.struct("authkv_cache_stats", {
      hits: "uint64_t",
      misses: "uint64_t",
      entries: "uint64_t",
      bytes: "uint64_t",
      capacity_bytes: "uint64_t",
    })
  )
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
  const libraries = threadState().libraries
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
  const library: Library = {
    path,
    version: fns.version(),
    fns,
    envHook: loadEnvHook(path),
  }
  libraries.set(path, library)
  return library
}

/**
 * The env-cleanup hook: a small Node-API module built beside the library
 * (`authkv_env_cleanup.node`). Node runs no JavaScript when a worker thread
 * is terminated (no "exit" event, no finalizers), so without it a worker's
 * open handles would stay open for the life of the process. `null` when
 * the module is not there (a hand-built library without it).
 */
function loadEnvHook(libraryPath: string): EnvHook | null {
  const hookPath = join(dirname(libraryPath), "authkv_env_cleanup.node")
  if (!existsSync(hookPath)) return null
  const mod = { exports: {} as EnvHook }
  try {
    process.dlopen(mod, hookPath)
  } catch {
    return null
  }
  try {
    mod.exports.bind(libraryPath)
  } catch {
    return null
  }
  return mod.exports
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
// Lifetimes: one NativeDb per directory per thread, reference-counted by
// the open() and adapter objects that use it; the last reference closes the
// C handle. A process "exit" hook closes what is left, so RocksDB shuts down
// cleanly.

function closeAllAtExit(): void {
  const state = threadState()
  for (const native of state.stores.values()) native.closeAtExit()
  state.stores.clear()
}

/** "st_dev:st_ino" of an existing directory, or `null` if it does not exist. */
function directoryId(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true })
    return `${st.dev}:${st.ino}`
  } catch {
    return null
  }
}

/** Wraps what is not an AuthKVError yet (a koffi or runtime error). */
function asAuthKVError(op: string, err: unknown): AuthKVError {
  if (err instanceof AuthKVError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new AuthKVError(
    "EINTERNAL",
    `authkv: ${op}: ${message}`,
    Code.EINTERNAL,
    { cause: err }
  )
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
  /** open() and adapter objects using this database. */
  #refs = 1
  /** Calls running on worker threads; the handle outlives them. */
  #inflight = 0
  /** The "st_dev:st_ino" this database is registered under. */
  #registeredAs: string | null = null
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

  /** @internal Use {@link acquireNative}. */
  constructor(library: Library, path: string, ptr: Pointer, flags: number) {
    this.library = library
    this.path = path
    this.#ptr = ptr
    this.#fns = library.fns
    this.#async = (flags & OpenFlag.SYNC) !== 0
    library.envHook?.track(ptr)
    const state = threadState()
    if (!state.exitHookInstalled) {
      process.on("exit", closeAllAtExit)
      state.exitHookInstalled = true
    }
  }

  /** Whether every reference has been dropped. */
  get closed(): boolean {
    return this.#refs === 0
  }

  /** Whether writes run on worker threads (the database syncs each write). */
  get asyncWrites(): boolean {
    return this.#async
  }

  /** @internal Registers this database as the one open on `id`. */
  register(id: string): void {
    this.#registeredAs = id
    threadState().stores.set(id, this)
  }

  /** One more user of this database (see {@link close}). */
  ref(): void {
    this.#refs++
  }

  /**
   * Drops one reference; the last one closes the database (RocksDB shuts
   * down cleanly) once calls running on worker threads have finished.
   * Idempotent once closed. Every later call throws an `AuthKVError` with
   * code `"EINVALID"`.
   */
  close(): void {
    if (this.#refs === 0) return
    if (--this.#refs > 0) return
    const stores = threadState().stores
    if (this.#registeredAs && stores.get(this.#registeredAs) === this) {
      stores.delete(this.#registeredAs)
    }
    this.#releaseWhenIdle()
  }

  /** At process exit: close unless a worker thread is inside a call. */
  closeAtExit(): void {
    this.#refs = 0
    this.#releaseWhenIdle()
  }

  #releaseWhenIdle(): void {
    if (this.#refs > 0 || this.#inflight > 0) return
    const ptr = this.#ptr
    this.#ptr = 0n
    if (ptr === 0n) return
    this.library.envHook?.untrack(ptr)
    this.#fns.close(ptr)
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
    return errorFromC(op, rc, this.#takeError(cells) ?? this.#fns.strerror(rc))
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
    return this.#onWorker(
      op,
      fn,
      (cells) => [want ? cells.out : null],
      args,
      (rc, cells) => this.#finish(op, rc, cells, want)
    )
  }

  /**
   * Runs `fn(...lead(cells), db, ...args, errmsg)` on one of koffi's worker
   * threads, through the thread's call slots, and settles with
   * `settle(rc, cells)`. Byte arguments are copied for the worker, so the
   * caller may reuse them. Whatever happens (a queued call, a koffi error
   * before the call starts), the in-flight count comes back down, so
   * close() always releases the handle.
   */
  #onWorker<T>(
    op: string,
    fn: Call,
    lead: (cells: Cells) => unknown[],
    args: unknown[],
    settle: (rc: number, cells: Cells) => T
  ): Promise<T> {
    const db = this.#db(op)
    const cells = stableCells()
    const stable = args.map((a) =>
      a instanceof Uint8Array ? Buffer.from(a) : a
    )
    const slots = threadState().slots
    this.#inflight++
    return new Promise<T>((resolve, reject) => {
      let settled = false
      const finish = (err: unknown, rc: number): void => {
        if (settled) return
        settled = true
        slots.done()
        this.#inflight--
        try {
          if (err) throw err
          resolve(settle(rc, cells))
        } catch (e) {
          reject(asAuthKVError(op, e))
        } finally {
          this.#releaseWhenIdle()
        }
      }
      slots.run(() => {
        try {
          fn.async(...lead(cells), db, ...stable, cells.err, finish)
        } catch (e) {
          finish(e, Code.EINTERNAL)
        }
      })
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
  /**
   * Deletes the user with everything it owns. Always on a worker thread:
   * a user with thousands of sessions is one large batch, and the event
   * loop must not wait for it.
   */
  userDelete(id: string): Promise<Uint8Array | null> {
    const op = "deleteUser"
    const fn = this.#fns.userDelete
    return this.#onWorker(
      op,
      fn,
      (cells) => [cells.out],
      NativeDb.#key(op, "id", id),
      (rc, cells) => this.#finish(op, rc, cells, true)
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

  /**
   * Re-seals every account's tokens with the current token key, on a worker
   * thread (it rewrites every account).
   */
  reencryptAccounts(): Promise<number> {
    const op = "reencryptAccounts"
    const count = counterCell()
    return this.#onWorker(
      op,
      this.#fns.accountsReencrypt,
      () => [count],
      [],
      (rc, cells) => {
        this.#finish(op, rc, cells, false)
        return Number(count[0])
      }
    )
  }

  /**
   * Deletes sessions and tokens that expired before `nowMs`, on a worker
   * thread (the library commits them in batches).
   */
  purgeExpired(
    nowMs: number
  ): Promise<{ sessions: number; verificationTokens: number }> {
    const op = "purgeExpired"
    const sessions = counterCell()
    const tokens = counterCell()
    return this.#onWorker(
      op,
      this.#fns.purgeExpired,
      () => [sessions, tokens],
      [nowMs],
      (rc, cells) => {
        this.#finish(op, rc, cells, false)
        return {
          sessions: Number(sessions[0]),
          verificationTokens: Number(tokens[0]),
        }
      }
    )
  }
}

/** A uint64_t out-parameter a worker thread may write (off the V8 heap). */
function counterCell(): BigUint64Array {
  const mem = Buffer.alloc(8)
  return new BigUint64Array(mem.buffer, mem.byteOffset, 1)
}

/**
 * The NativeDb behind each database object that `open()` returned. Not part
 * of the package's exports: the tests reach it to read records without the
 * adapter.
 */
export const nativeHandles = new WeakMap<object, NativeDb>()

/**
 * The database open on `path` in this thread, with one more reference, or
 * a newly opened one. Every spelling of one directory (relative, absolute,
 * a trailing slash, a symlink) finds the same database. When it is open
 * already, the library is asked to open it once more with `options` and
 * that handle is closed at once: the library refuses options that cannot
 * share the open store (another `sync`, `emailMatch` or token keys) with a
 * message naming the conflict, so those rules live in one place.
 */
export function acquireNative(
  library: Library,
  path: string,
  options: NativeOpenOptions
): NativeDb {
  const id = directoryId(path)
  const open = id === null ? undefined : threadState().stores.get(id)
  if (open && !open.closed) {
    open.library.fns.close(openHandle(open.library, path, options))
    open.ref()
    return open
  }
  const native = new NativeDb(
    library,
    path,
    openHandle(library, path, options),
    options.flags
  )
  const created = directoryId(path)
  if (created !== null) native.register(created)
  return native
}

/** authkv_open: the new C handle, or an AuthKVError. */
function openHandle(
  library: Library,
  path: string,
  options: NativeOpenOptions
): Pointer {
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
    throw errorFromC(`open ${path}`, rc, message ?? library.fns.strerror(rc))
  }
  if (!out[0]) {
    throw new AuthKVError(
      "EINTERNAL",
      `authkv: open ${path}: no handle`,
      Code.EINTERNAL
    )
  }
  return BigInt(out[0])
}
