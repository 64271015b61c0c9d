/**
 * An official-style [Auth.js](https://authjs.dev) adapter for **authkv**, an
 * embedded, crash-safe key-value store for authentication data: users,
 * accounts, sessions, verification tokens and WebAuthn authenticators live
 * in a local directory, with no database server. Works with `@auth/core`
 * (Auth.js v5, `next-auth@5`) and `next-auth@4`.
 *
 * ## Installation
 *
 * ```bash npm2yarn
 * npm install authkv
 * ```
 *
 * The package calls `libauthkv.so` (the C ABI in `bindings/c`) through
 * koffi. It looks for the library at the `libraryPath` option, then
 * `$AUTHKV_LIBRARY`, then `node_modules/authkv/native/libauthkv.so`.
 *
 * ```ts
 * import NextAuth from "next-auth"
 * import { AuthKVAdapter } from "authkv"
 *
 * export const { handlers, auth, signIn, signOut } = NextAuth({
 *   adapter: AuthKVAdapter({ path: "./data/auth" }),
 *   providers: [],
 * })
 * ```
 *
 * @module authkv
 */

import * as flatbuffers from "flatbuffers"
import {
  decodeAccount,
  decodeAuthenticator,
  decodeAuthenticatorList,
  decodeSession,
  decodeSessionAndUser,
  decodeUser,
  encodeAccount,
  encodeAuthenticator,
  encodeSession,
  encodeUser,
  encodeVerificationToken,
  decodeVerificationToken,
  toMs,
} from "./codec"
import { AuthKVError, Code, closedError, invalid } from "./errors"
import {
  NativeDb,
  OpenFlag,
  acquireNative,
  loadLibrary,
  nativeHandles,
  type AuthKVCacheStats,
} from "./native"
import type {
  AuthKVAccount,
  AuthKVAuthenticator,
  AuthKVNewUser,
  AuthKVSession,
  AuthKVUser,
  AuthKVVerificationToken,
  JsonValue,
} from "./types"

export { ABI_VERSION, checkAbiVersion } from "./native"
export type { AuthKVCacheStats } from "./native"
export { AuthKVError } from "./errors"
export type { AuthKVErrorCode } from "./errors"
export type {
  AuthKVAccount,
  AuthKVAccountType,
  AuthKVAuthenticator,
  AuthKVNewUser,
  AuthKVSession,
  AuthKVUser,
  AuthKVVerificationToken,
  JsonValue,
} from "./types"

// ---------------------------------------------------------------------------
// Opening a database

/** Options of {@link open}. */
export interface AuthKVOpenOptions {
  /**
   * Path of `libauthkv.so`.
   * Default: `$AUTHKV_LIBRARY`, else `<package>/native/libauthkv.so`, else
   * the in-repository build `<package>/../../build/bindings/c/libauthkv.so`.
   */
  libraryPath?: string
  /**
   * fsync the write-ahead log before each write returns, so acknowledged
   * writes survive power loss and not only a crash of the process. Costs
   * one fdatasync (0.2 ms to milliseconds, by disk) per write, so with
   * `sync` writes run on worker threads and leave the event loop free;
   * reads stay synchronous. Without it, acknowledged writes survive a crash
   * of the process (the log is in the OS page cache).
   * Default: `false`.
   */
  sync?: boolean
  /**
   * How emails are compared by `getUserByEmail` and the unique-email rule:
   * `"case-insensitive"` (the whole address lowercased as `toLowerCase()`
   * does, as Auth.js does: `Émile@X.io` is `émile@x.io`) or
   * `"exact"` (byte for byte, like a SQL `UNIQUE` column). Fixed when the
   * database is created; an existing database keeps its mode.
   * Default: `"case-insensitive"`.
   */
  emailMatch?: "case-insensitive" | "exact"
  /**
   * Create the database directory if it does not exist.
   * Default: `true`.
   */
  create?: boolean
  /**
   * Open read-only (every write throws `EINVALID`). Only for a database that
   * no other process has open for writing.
   * Default: `false`.
   */
  readOnly?: boolean
  /**
   * Bytes of RocksDB block cache.
   * Default: 128 MiB.
   */
  blockCacheBytes?: number
  /**
   * Memory for the cache that serves `getSessionAndUser` (one per
   * authenticated request) from memory; `0` turns it off. Writes keep it
   * coherent.
   * Default: 128 MiB.
   */
  sessionCacheBytes?: number
  /**
   * Delete expired sessions and verification tokens on a background thread
   * every this many milliseconds (Auth.js deletes an expired session only
   * when its cookie comes back). The thread stops when the database closes.
   * Default: `0` (never; call `purgeExpired()` yourself).
   */
  purgeIntervalMs?: number
  /**
   * Encrypt the OAuth `access_token`, `refresh_token` and `id_token` of every
   * account at rest (AES-256-GCM). Each key is 32 bytes with a numeric id
   * stored beside the ciphertext. The first key encrypts; every key listed
   * decrypts. To rotate: put the new key first, call
   * `reencryptAccounts()`, then drop the old one. Reading an account whose
   * key is missing throws `AuthKVError` with code `"ECONSTRAINT"`.
   * Default: none (tokens stored as given).
   */
  tokenKeys?: ReadonlyArray<{ id: number; key: Uint8Array }>
}

/**
 * An open authkv database, from {@link open}. Pass it to
 * `AuthKVAdapter({ db })` to control its lifetime yourself. Every `open()`
 * and every adapter on one directory in one thread share one native
 * handle, however the path is spelled and however many copies of this
 * module a bundler made; {@link AuthKVDatabase.close} drops this object's
 * share, and the last one closes the database. A share is also dropped
 * when its object is garbage-collected, and everything closes when the
 * process exits or the worker thread ends.
 */
export interface AuthKVDatabase {
  /** The database directory. */
  readonly path: string
  /** The loaded library's version, e.g. `"0.1.0"`. */
  readonly version: string
  /** Whether {@link AuthKVDatabase.close} has run. */
  readonly closed: boolean
  /**
   * Deletes every session and verification token that expired before `now`
   * (Auth.js itself only deletes an expired session when its cookie comes
   * back), on a worker thread. Resolves to how many of each went.
   */
  purgeExpired(
    now?: Date
  ): Promise<{ sessions: number; verificationTokens: number }>
  /**
   * Re-encrypts every account whose tokens are not sealed with the first of
   * `tokenKeys` (the rotation step), on a worker thread; resolves to how
   * many were rewritten.
   */
  reencryptAccounts(): Promise<number>
  /** Hit and miss counts and the size of the session cache. */
  cacheStats(): AuthKVCacheStats
  /**
   * Drops this object's share of the database (the last share closes it);
   * idempotent. Later calls on this object throw `AuthKVError` (`EINVALID`).
   */
  close(): void
}

/** Drops the share of an open() object that was never closed. */
const dropShare = new FinalizationRegistry<NativeDb>((native) => native.close())

/**
 * Opens (by default creating) the authkv database in directory `path`, or
 * joins it if this thread has it open already. Throws `AuthKVError` with
 * code `"EBUSY"` if another process has it open, `"EINVALID"` if it is open
 * here with options that conflict (the message names the option),
 * `"EVERSION"` if a newer authkv wrote it, `"ELIBRARY"` if the library is
 * missing or speaks another ABI version.
 */
export function open(
  path: string,
  options: AuthKVOpenOptions = {}
): AuthKVDatabase {
  if (typeof path !== "string" || path === "") {
    throw invalid("open needs a database path")
  }
  const library = loadLibrary(options.libraryPath)
  let flags = options.create === false ? 0 : OpenFlag.CREATE
  if (options.readOnly) flags |= OpenFlag.READONLY
  if (options.sync) flags |= OpenFlag.SYNC
  if (options.emailMatch === "exact") flags |= OpenFlag.EMAIL_EXACT
  if (options.sessionCacheBytes === 0) flags |= OpenFlag.NO_SESSION_CACHE
  const native = acquireNative(library, path, {
    flags,
    blockCacheBytes: options.blockCacheBytes,
    sessionCacheBytes: options.sessionCacheBytes,
    purgeIntervalMs: options.purgeIntervalMs,
    tokenKeys: options.tokenKeys,
  })
  let closed = false
  const live = (op: string): NativeDb => {
    if (closed) throw closedError(op, path)
    return native
  }
  const db: AuthKVDatabase = {
    path,
    version: library.version,
    get closed() {
      return closed
    },
    async purgeExpired(now = new Date()) {
      return live("purgeExpired").purgeExpired(toMs(now, "now"))
    },
    async reencryptAccounts() {
      return (await live("reencryptAccounts").reencryptAccounts()).rewritten
    },
    cacheStats() {
      return live("cacheStats").cacheStats()
    },
    close() {
      if (closed) return
      closed = true
      dropShare.unregister(db)
      native.close()
    },
  }
  dropShare.register(db, native, db)
  nativeHandles.set(db, native)
  return db
}

// ---------------------------------------------------------------------------
// The adapter

/** A declared extra user field (see {@link AuthKVAdapterOptions.userFields}). */
export interface AuthKVUserField {
  /**
   * The value a user gets when `createUser` is called without the field,
   * and that reads return for a stored user that lacks it (e.g. one created
   * before the field was declared). A function is called each time.
   */
  default?: JsonValue | Date | (() => unknown)
}

/**
 * Options of {@link AuthKVAdapter}. The open options it extends
 * (`libraryPath`, `sync`, `emailMatch`, ...) apply when the adapter opens
 * `path`; a `db` keeps the options it was opened with.
 */
export interface AuthKVAdapterOptions extends AuthKVOpenOptions {
  /**
   * The database directory; the adapter opens it (see {@link open}) and
   * `adapter.close()` closes it. Give either `path` or `db`.
   */
  path?: string
  /**
   * A database already opened with {@link open}; its owner closes it
   * (`adapter.close()` leaves it open). Give either `path` or `db`.
   */
  db?: AuthKVDatabase
  /**
   * Extra user fields with defaults, the way a custom `User` model adds
   * columns: `{ role: { default: "ADMIN" } }` gives every new user
   * `role: "ADMIN"` unless `createUser` receives a role. Undeclared extra
   * properties round-trip too; declaring one only adds its default.
   * Default: `{}`.
   */
  userFields?: Record<string, AuthKVUserField>
}

/** The defaults of {@link AuthKVAdapterOptions}. */
export const defaultOptions = {
  sync: false,
  emailMatch: "case-insensitive",
  create: true,
  readOnly: false,
  blockCacheBytes: 128 * 1024 * 1024,
  sessionCacheBytes: 128 * 1024 * 1024,
  purgeIntervalMs: 0,
  userFields: {},
} as const satisfies Omit<AuthKVAdapterOptions, "path" | "db" | "libraryPath">

/**
 * What {@link AuthKVAdapter} returns: a plain object whose own enumerable
 * properties are the Auth.js `Adapter` methods (all 14 base methods,
 * `getAccount` and the four WebAuthn methods) plus `updateAccount` and
 * `close`. Assignable to `Adapter` from `@auth/core/adapters`; for
 * `next-auth@4` see the README.
 */
export interface AuthKVAdapterMethods {
  /**
   * Stores a user and returns it as stored. Without an `id` (or with `""`)
   * the store generates a UUIDv7. Throws `EEXISTS` if the id or the email
   * is taken.
   */
  createUser(user: AuthKVUser | AuthKVNewUser): Promise<AuthKVUser>
  /** The user, or `null`. */
  getUser(id: string): Promise<AuthKVUser | null>
  /** The user with this email (see `emailMatch`), or `null`. */
  getUserByEmail(email: string): Promise<AuthKVUser | null>
  /** The user linked to this provider account, or `null`. */
  getUserByAccount(
    providerAccount: Pick<AuthKVAccount, "provider" | "providerAccountId">
  ): Promise<AuthKVUser | null>
  /**
   * Merges the given properties into the stored user (`undefined` ones are
   * ignored, `null` ones are stored as null) and returns the whole user.
   * Throws `ENOTFOUND` for a missing user, `EEXISTS` for a taken email.
   */
  updateUser(
    user: Partial<AuthKVUser> & Pick<AuthKVUser, "id">
  ): Promise<AuthKVUser>
  /**
   * Deletes the user with all of its accounts, sessions and authenticators
   * in one atomic write; returns the deleted user, or `null` if missing.
   */
  deleteUser(userId: string): Promise<AuthKVUser | null>
  /**
   * Links an account to its user and returns it as stored. Throws
   * `EEXISTS` if the provider account is linked already, `ECONSTRAINT` if
   * the user does not exist.
   */
  linkAccount(account: AuthKVAccount): Promise<AuthKVAccount>
  /** Removes the account and returns it, or `undefined` if missing. */
  unlinkAccount(
    providerAccount: Pick<AuthKVAccount, "provider" | "providerAccountId">
  ): Promise<AuthKVAccount | undefined>
  /** Stores a session and returns it. */
  createSession(session: AuthKVSession): Promise<AuthKVSession>
  /**
   * The session and its user in one read, or `null` if the session does not
   * exist, has expired, or its user is gone.
   */
  getSessionAndUser(
    sessionToken: string
  ): Promise<{ session: AuthKVSession; user: AuthKVUser } | null>
  /** Sets the session's `expires`; returns the session, or `null` if missing. */
  updateSession(
    session: Partial<AuthKVSession> & Pick<AuthKVSession, "sessionToken">
  ): Promise<AuthKVSession | null>
  /** Deletes the session and returns it; `null` (no error) if missing. */
  deleteSession(sessionToken: string): Promise<AuthKVSession | null>
  /** Stores a verification token and returns it. */
  createVerificationToken(
    verificationToken: AuthKVVerificationToken
  ): Promise<AuthKVVerificationToken>
  /**
   * Finds and deletes the token in one atomic step: of any number of
   * concurrent callers exactly one gets it. `null` if it does not exist,
   * was used, or belongs to another identifier.
   */
  useVerificationToken(params: {
    identifier: string
    token: string
  }): Promise<AuthKVVerificationToken | null>
  /** The account, or `null`. Note the argument order (Auth.js's). */
  getAccount(
    providerAccountId: string,
    provider: string
  ): Promise<AuthKVAccount | null>
  /** The authenticator, or `null`. */
  getAuthenticator(credentialID: string): Promise<AuthKVAuthenticator | null>
  /** Stores an authenticator and returns it; `EEXISTS` for a taken credential id. */
  createAuthenticator(
    authenticator: AuthKVAuthenticator
  ): Promise<AuthKVAuthenticator>
  /** Every authenticator of the user; `[]` for an unknown user. */
  listAuthenticatorsByUserId(userId: string): Promise<AuthKVAuthenticator[]>
  /** Sets the counter and returns the authenticator; throws `ENOTFOUND` if missing. */
  updateAuthenticatorCounter(
    credentialID: string,
    newCounter: number
  ): Promise<AuthKVAuthenticator>
  /**
   * Not part of the Auth.js interface. Merges token fields into a linked
   * account (identified by `provider` + `providerAccountId`) and returns the
   * whole account, or `null` if missing. Auth.js never refreshes stored
   * OAuth tokens on later sign-ins; call this from `events.signIn`. Takes
   * Auth.js's `Account` as it comes (any `type`; `userId` and `type` are
   * not changed).
   */
  updateAccount(
    account: Partial<Omit<AuthKVAccount, "type">> & {
      provider: string
      providerAccountId: string
      type?: string
    }
  ): Promise<AuthKVAccount | null>
  /**
   * Closes the database if the adapter opened it (from `path`). Every later
   * call on this adapter throws an `AuthKVError` (`EINVALID`).
   */
  close(): void
}

/** The longest key the library stores, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024

/**
 * Whether a cookie value can be a session token at all. A cookie is
 * whatever the browser sent: an empty, over-long or NUL-bearing value finds
 * no session (null), as in a SQL adapter, instead of throwing.
 */
function isSessionToken(value: unknown): value is string {
  if (typeof value !== "string" || value === "" || value.includes("\0"))
    return false
  // A UTF-16 unit is at most 3 UTF-8 bytes: measure only long strings.
  return (
    value.length * 3 <= MAX_KEY_BYTES ||
    Buffer.byteLength(value, "utf8") <= MAX_KEY_BYTES
  )
}

/**
 * A fresh copy of a field's default: an array or object default mutated on
 * one user must not change the next user's.
 */
function defaultOf(field: AuthKVUserField): unknown {
  return typeof field.default === "function"
    ? field.default()
    : structuredClone(field.default)
}

function withDefaults<T extends Record<string, unknown>>(
  user: T,
  fields: [string, AuthKVUserField][]
): T {
  for (const [key, field] of fields) {
    if (user[key] === undefined && field.default !== undefined) {
      ;(user as Record<string, unknown>)[key] = defaultOf(field)
    }
  }
  return user
}

/**
 * Creates the Auth.js adapter. Give it a `path` (the adapter opens the
 * database) or a `db` from {@link open}:
 *
 * ```ts
 * import { AuthKVAdapter } from "authkv"
 *
 * const adapter = AuthKVAdapter({
 *   path: "./data/auth",
 *   userFields: { role: { default: "ADMIN" } },
 * })
 * ```
 *
 * Every method is synchronous underneath (a call takes microseconds) and
 * returns a promise, as Auth.js expects; not-found results are `null`.
 */
export function AuthKVAdapter(
  options: AuthKVAdapterOptions
): AuthKVAdapterMethods {
  if (!options || (options.path === undefined) === (options.db === undefined)) {
    throw invalid("AuthKVAdapter needs exactly one of `path` or `db`")
  }
  if (options.db !== undefined && !nativeHandles.has(options.db)) {
    throw invalid("`db` must come from open() of this package")
  }
  if (options.path !== undefined && (typeof options.path !== "string" || options.path === "")) {
    throw invalid("AuthKVAdapter needs a database path")
  }
  const fields = Object.entries(options.userFields ?? {})
  const builder = new flatbuffers.Builder(1024)
  let closed = false
  // Opened on the first call, not here: bundlers evaluate this module in
  // build workers (`next build` collecting page data) and in several
  // bundles, and none of them should create or lock the database. A failed
  // open is not remembered, so a later call tries again.
  let database: AuthKVDatabase | undefined = options.db

  /** The database, opened now if this is the first call. */
  function db(op: string): NativeDb {
    if (closed) {
      throw invalid(`${op}: the adapter is closed (close() was called)`)
    }
    database ??= open(options.path as string, options)
    if (database.closed) throw closedError(op, database.path)
    return nativeHandles.get(database)!
  }
  const user = (bytes: Uint8Array) => withDefaults(decodeUser(bytes), fields)
  const userOrNull = (bytes: Uint8Array | null) => (bytes ? user(bytes) : null)

  return {
    async createUser(data) {
      const d = db("createUser")
      const record = withDefaults({ ...data } as Record<string, unknown>, fields)
      return user(await d.userCreate(encodeUser(builder, record)))
    },

    async getUser(id) {
      return userOrNull(db("getUser").userGet(id))
    },

    async getUserByEmail(email) {
      return userOrNull(db("getUserByEmail").userGetByEmail(email))
    },

    async getUserByAccount({ provider, providerAccountId }) {
      return userOrNull(
        db("getUserByAccount").userGetByAccount(provider, providerAccountId)
      )
    },

    async updateUser(patch) {
      const d = db("updateUser")
      if (typeof patch?.id !== "string" || patch.id === "") {
        throw invalid("updateUser needs the user's id")
      }
      const bytes = await d.userUpdate(encodeUser(builder, patch))
      if (!bytes) {
        throw new AuthKVError(
          "ENOTFOUND",
          `authkv: updateUser: no user with id ${patch.id}`,
          Code.ENOTFOUND
        )
      }
      return user(bytes)
    },

    async deleteUser(userId) {
      return userOrNull(await db("deleteUser").userDelete(userId))
    },

    async linkAccount(account) {
      const d = db("linkAccount")
      return decodeAccount(await d.accountLink(encodeAccount(builder, account)))
    },

    async unlinkAccount({ provider, providerAccountId }) {
      const bytes = await db("unlinkAccount").accountUnlink(
        provider,
        providerAccountId
      )
      return bytes ? decodeAccount(bytes) : undefined
    },

    async createSession(session) {
      const d = db("createSession")
      return decodeSession(
        await d.sessionCreate(encodeSession(builder, session)),
        session.sessionToken
      )
    },

    async getSessionAndUser(sessionToken) {
      const d = db("getSessionAndUser")
      if (!isSessionToken(sessionToken)) return null
      const bytes = d.sessionAndUserGet(sessionToken)
      if (!bytes) return null
      const found = decodeSessionAndUser(bytes, sessionToken)
      withDefaults(found.user, fields)
      return found
    },

    async updateSession(session) {
      const d = db("updateSession")
      const token = session?.sessionToken
      if (!isSessionToken(token)) return null
      if (session.expires === undefined) {
        // Nothing to change: answer with the current session.
        const bytes = d.sessionAndUserGet(token)
        return bytes ? decodeSessionAndUser(bytes, token).session : null
      }
      const bytes = await d.sessionUpdate(
        token,
        toMs(session.expires, "session.expires")
      )
      return bytes ? decodeSession(bytes, token) : null
    },

    async deleteSession(sessionToken) {
      const d = db("deleteSession")
      if (!isSessionToken(sessionToken)) return null
      const bytes = await d.sessionDelete(sessionToken)
      return bytes ? decodeSession(bytes, sessionToken) : null
    },

    async createVerificationToken(verificationToken) {
      const d = db("createVerificationToken")
      const { identifier, token, expires } = verificationToken
      await d.verificationTokenCreate(
        encodeVerificationToken(builder, verificationToken)
      )
      return { identifier, token, expires: new Date(toMs(expires, "expires")) }
    },

    async useVerificationToken({ identifier, token }) {
      const d = db("useVerificationToken")
      // Auth.js passes identifier: undefined for a link without `email`.
      if (typeof identifier !== "string" || typeof token !== "string")
        return null
      const bytes = await d.verificationTokenUse(identifier, token)
      if (!bytes) return null
      return decodeVerificationToken(bytes, { identifier, token })
    },

    async getAccount(providerAccountId, provider) {
      const bytes = db("getAccount").accountGet(provider, providerAccountId)
      return bytes ? decodeAccount(bytes) : null
    },

    async getAuthenticator(credentialID) {
      const bytes = db("getAuthenticator").authenticatorGet(credentialID)
      return bytes ? decodeAuthenticator(bytes) : null
    },

    async createAuthenticator(authenticator) {
      const d = db("createAuthenticator")
      return decodeAuthenticator(
        await d.authenticatorCreate(encodeAuthenticator(builder, authenticator))
      )
    },

    async listAuthenticatorsByUserId(userId) {
      return decodeAuthenticatorList(
        db("listAuthenticatorsByUserId").authenticatorListByUser(userId)
      )
    },

    async updateAuthenticatorCounter(credentialID, newCounter) {
      const d = db("updateAuthenticatorCounter")
      if (
        typeof newCounter !== "number" ||
        !Number.isSafeInteger(newCounter) ||
        newCounter < 0
      ) {
        throw invalid(
          "updateAuthenticatorCounter: the counter must be a non-negative integer"
        )
      }
      const bytes = await d.authenticatorUpdateCounter(credentialID, newCounter)
      if (!bytes) {
        throw new AuthKVError(
          "ENOTFOUND",
          `authkv: updateAuthenticatorCounter: no authenticator ${credentialID}`,
          Code.ENOTFOUND
        )
      }
      return decodeAuthenticator(bytes)
    },

    async updateAccount(account) {
      const d = db("updateAccount")
      const bytes = await d.accountUpdate(encodeAccount(builder, account, true))
      return bytes ? decodeAccount(bytes) : null
    },

    close() {
      if (closed) return
      closed = true
      if (options.db === undefined) database?.close()
    },
  }
}

export default AuthKVAdapter
