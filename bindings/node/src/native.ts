/**
 * The only file that talks to the FFI: it loads `libauthkv.so` with koffi,
 * declares the C functions that calls.ts describes (the C ABI of
 * `bindings/c/include/authkv/authkv.h`), checks the ABI version, and turns
 * every call into bytes in, bytes (or `null`) out.
 *
 * - `(code, errmsg)` becomes an {@link AuthKVError}; `AUTHKV_ENOTFOUND`
 *   becomes `null`.
 * - Every `authkv_buf` the library fills is copied into a `Uint8Array` and
 *   disposed in a `finally`; every error message is copied and freed.
 * - Calls are synchronous: a store call takes microseconds, and handing it to
 *   a worker thread would cost more than the call (docs/design.md §7). The hot
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
import {
  libraryCalls,
  prototypeOf,
  cArgs,
  storeCallNames,
  storeCalls,
  type StoreCall,
  type StoreCallName,
  type StoreMethods,
} from "./calls"
import {
  AuthKVError,
  Code,
  closedError,
  errorFromC,
  requireString,
} from "./errors"

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

/**
 * The declared C functions, by their names in calls.ts. Pointers are
 * koffi 3 BigInts.
 */
type Fns = Record<keyof typeof libraryCalls | StoreCallName, Call>

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
  const fns: Partial<Record<keyof Fns, Call>> = {}
  const f = (proto: string) => lib.func(proto) as unknown as Call
  for (const [name, proto] of Object.entries(libraryCalls)) {
    fns[name as keyof typeof libraryCalls] = f(proto)
  }
  for (const [name, row] of Object.entries(storeCalls)) {
    fns[name as StoreCallName] = f(prototypeOf(row))
  }
  return fns as Fns
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

/** Arguments of {@link acquireNative}. */
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

/** The counters of the session cache (`authkv_cache_stats`). */
export interface AuthKVCacheStats {
  /** Reads the cache answered. */
  hits: number
  /** Reads that went to the store. */
  misses: number
  /** Sessions in the cache. */
  entries: number
  /** Approximate memory the cached sessions hold. */
  bytes: number
  /** The most memory the cache may hold; 0 when the cache is off. */
  capacityBytes: number
}

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
  /** The C function of each store call, by its index in storeCallNames. */
  readonly #storeFns: readonly Call[]
  /** The out-parameters of synchronous calls. */
  readonly #cells: Cells = {
    out: new BigUint64Array(2),
    err: new BigUint64Array(1),
  }
  /** The hot read's length output. */
  readonly #len = new BigUint64Array(1)
  /** The reused destination of the hot read. */
  #hot: Buffer = Buffer.allocUnsafe(4096)

  /** @internal Use {@link acquireNative}. */
  constructor(library: Library, path: string, ptr: Pointer, flags: number) {
    this.library = library
    this.path = path
    this.#ptr = ptr
    this.#fns = library.fns
    this.#storeFns = storeCallNames.map((name) => library.fns[name])
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
    if (this.closed) throw closedError(op, this.path)
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

  /**
   * The method of one row of calls.ts: marshals `values` as the row's
   * arguments, calls its C function here or on a worker thread as its mode
   * says, and returns its result as its result kind says.
   */
  #call(row: StoreCall, index: number, values: readonly unknown[]): unknown {
    const { op, result } = row
    const fn = this.#storeFns[index]
    const args = cArgs(op, row.args, values)
    if (typeof result === "object") {
      return this.#countOnWorker(op, fn, result.counters, args)
    }
    const want = result !== "nothing"
    if (row.mode === "read" || (row.mode === "write" && !this.#async)) {
      // The common case, kept free of closures: one call with the shared
      // cells.
      const db = this.#db(op)
      const cells = this.#cells
      const rc = fn(want ? cells.out : null, db, ...args, cells.err)
      return bytesOf(result, this.#finish(op, rc, cells, want))
    }
    return this.#onWorker(
      op,
      fn,
      (cells) => [want ? cells.out : null],
      args,
      (rc, cells) => bytesOf(result, this.#finish(op, rc, cells, want))
    )
  }

  /** A call whose results are `uint64_t` counters, on a worker thread. */
  #countOnWorker(
    op: string,
    fn: Call,
    names: readonly string[],
    args: unknown[]
  ): Promise<Record<string, number>> {
    const counters = names.map(counterCell)
    return this.#onWorker(
      op,
      fn,
      () => counters,
      args,
      (rc, cells) => {
        this.#finish(op, rc, cells, false)
        return Object.fromEntries(
          names.map((counter, i) => [counter, Number(counters[i][0])])
        )
      }
    )
  }

  // One method per row of calls.ts, on the prototype like a declared
  // method; their types come from the rows (the NativeDb interface below).
  // Each method holds its row and its index, so a call looks nothing up by
  // name (a keyed lookup that every method shares is slow in V8).
  static {
    storeCallNames.forEach((name, index) => {
      const row: StoreCall = storeCalls[name]
      Object.defineProperty(NativeDb.prototype, name, {
        value: {
          [name](this: NativeDb, ...values: unknown[]): unknown {
            return this.#call(row, index, values)
          },
        }[name],
        writable: true,
        configurable: true,
      })
    })
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

  /**
   * The hot read: the SessionAndUser FlatBuffer for `token`, or `null`.
   * The result is a view of a buffer reused by the next read on this
   * database: decode it before making another call.
   */
  sessionAndUserGet(token: string): Uint8Array | null {
    const op = "getSessionAndUser"
    const db = this.#db(op)
    const t = requireString(token, `${op}: sessionToken`)
    const tn = Buffer.byteLength(t, "utf8")
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

  // --- Maintenance -------------------------------------------------------------

  /** The session cache's counters. */
  cacheStats(): AuthKVCacheStats {
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
}

/**
 * The store calls of calls.ts as methods (`userGet(id)`,
 * `sessionUpdate(token, expiresMs)`, ...), typed from their rows; the
 * class's static block defines them.
 */
export interface NativeDb extends StoreMethods {}

/** What a buffer call returns, by its result kind (see calls.ts). */
function bytesOf(kind: string, bytes: Uint8Array | null): Uint8Array | null {
  return kind === "recordOrEmpty" ? (bytes ?? EMPTY) : bytes
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
