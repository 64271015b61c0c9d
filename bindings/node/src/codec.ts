/**
 * Converts between the adapter's JavaScript records and the FlatBuffers of
 * schema/*.fbs (through the flatc-generated code in ./schema). This is the
 * one place where `Date` becomes `*_ms` and back.
 *
 * Field states. A schema field can be absent (never given), explicitly
 * `null`, or hold a value; each table's `null_fields` bitmask names the
 * explicit nulls, so `{ name: null }` reads back as `null` and a missing
 * `name` stays missing.
 *
 * Extra fields. Every property that is not a schema field (and every schema
 * field whose value has another type than the schema's, e.g. a numeric
 * `session_state`) is stored in the record's `extra_json` as one JSON
 * object. JSON has no dates, so a `Date` anywhere inside an extra value is
 * written as `{"$date": <epoch ms>}` and revived as a `Date`; an object that
 * itself has the single key `$date` or `$literal` is escaped as
 * `{"$literal": {...}}`, so every JSON value round-trips unchanged.
 * `undefined` and functions are dropped, as `JSON.stringify` drops them.
 */

import * as flatbuffers from "flatbuffers"
import { AuthKVError, Code, invalid, requireString } from "./errors"
import { Account } from "./schema/account_generated"
import { Authenticator } from "./schema/authenticator_generated"
import { AuthenticatorList } from "./schema/authenticator_list_generated"
import { Session } from "./schema/session_generated"
import { SessionAndUser } from "./schema/session_and_user_generated"
import { User } from "./schema/user_generated"
import { VerificationToken } from "./schema/verification_token_generated"
import type {
  AuthKVAccount,
  AuthKVAuthenticator,
  AuthKVSession,
  AuthKVUser,
  AuthKVVerificationToken,
} from "./types"

type Obj = Record<string, unknown>

// null_fields bits, as documented in each .fbs file.
const USER_NULL = { name: 0, email: 1, image: 2, emailVerified: 3 } as const
const ACCOUNT_NULL = {
  access_token: 0,
  refresh_token: 1,
  id_token: 2,
  scope: 3,
  token_type: 4,
  session_state: 5,
  expires_at: 6,
} as const
const AUTHENTICATOR_NULL = { transports: 0 } as const

const USER_STRINGS = ["name", "email", "image"] as const
const ACCOUNT_STRINGS = [
  "access_token",
  "refresh_token",
  "id_token",
  "scope",
  "token_type",
  "session_state",
] as const
const USER_KEYS = new Set(["id", "name", "email", "emailVerified", "image"])
const ACCOUNT_KEYS = new Set([
  "userId",
  "type",
  "provider",
  "providerAccountId",
  ...ACCOUNT_STRINGS,
  "expires_at",
])

function corrupt(what: string): AuthKVError {
  return new AuthKVError(
    "ECORRUPT",
    `authkv: the library returned a buffer that is not a ${what} FlatBuffer`,
    Code.ECORRUPT
  )
}

/** Epoch milliseconds of a Date (or of a number of ms, or a date string). */
export function toMs(value: unknown, what: string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === "number"
        ? value
        : typeof value === "string"
          ? Date.parse(value)
          : NaN
  if (!Number.isSafeInteger(ms)) {
    throw invalid(`${what} must be a valid Date, got ${String(value)}`)
  }
  return ms
}

// ---------------------------------------------------------------------------
// extra_json

const DATE_TAG = "$date"
const LITERAL_TAG = "$literal"

function isTagShaped(o: Obj): boolean {
  const keys = Object.keys(o)
  return keys.length === 1 && (keys[0] === DATE_TAG || keys[0] === LITERAL_TAG)
}

function toTagged(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case "undefined":
    case "function":
    case "symbol":
      return undefined
    case "string":
    case "boolean":
      return value
    case "number":
      return Number.isFinite(value) ? value : null
    case "bigint":
      throw invalid(`${path} is a BigInt, which JSON cannot hold`)
  }
  if (value === null) return null
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw invalid(`${path} is an invalid Date`)
    return { [DATE_TAG]: ms }
  }
  const o = value as Obj
  if (seen.has(o)) throw invalid(`${path} is circular`)
  if (typeof o.toJSON === "function") return toTagged(o.toJSON(), path, seen)
  seen.add(o)
  try {
    if (Array.isArray(o)) {
      return o.map((item, i) => toTagged(item, `${path}[${i}]`, seen) ?? null)
    }
    const out: Obj = Object.create(null)
    for (const key of Object.keys(o)) {
      const v = toTagged(o[key], `${path}.${key}`, seen)
      if (v !== undefined) out[key] = v
    }
    return isTagShaped(out) ? { [LITERAL_TAG]: out } : out
  } finally {
    seen.delete(o)
  }
}

function fromTagged(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value
  if (Array.isArray(value)) return value.map(fromTagged)
  const o = value as Obj
  if (isTagShaped(o)) {
    if (DATE_TAG in o && typeof o[DATE_TAG] === "number") {
      return new Date(o[DATE_TAG] as number)
    }
    if (
      LITERAL_TAG in o &&
      o[LITERAL_TAG] !== null &&
      typeof o[LITERAL_TAG] === "object"
    ) {
      return reviveMembers(o[LITERAL_TAG] as Obj)
    }
  }
  return reviveMembers(o)
}

/** `target[key] = value`, also for a key named `__proto__`. */
function setOwn(target: Obj, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    target[key] = value
  }
}

function reviveMembers(o: Obj): Obj {
  const out: Obj = {}
  for (const key of Object.keys(o)) setOwn(out, key, fromTagged(o[key]))
  return out
}

/** The extra fields of a record as `extra_json` text ("" when none). */
export function encodeExtra(extra: Obj, what: string): string {
  const out: Obj = Object.create(null)
  const seen = new Set<object>()
  let any = false
  for (const key of Object.keys(extra)) {
    const v = toTagged(extra[key], `${what}.${key}`, seen)
    if (v !== undefined) {
      out[key] = v
      any = true
    }
  }
  return any ? JSON.stringify(out) : ""
}

/** Parses `extra_json` into `target`, skipping keys `target` already has. */
export function decodeExtra(text: string | null, target: Obj): void {
  if (!text) return
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new AuthKVError(
      "ECORRUPT",
      "authkv: stored extra_json is not JSON",
      Code.ECORRUPT
    )
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return
  // Only text with a `"$` can hold a tag: skip the revival walk otherwise.
  const tagged = text.includes('"$')
  const members = parsed as Obj
  for (const key of Object.keys(members)) {
    if (!Object.hasOwn(target, key)) {
      setOwn(target, key, tagged ? fromTagged(members[key]) : members[key])
    }
  }
}

// ---------------------------------------------------------------------------
// Building

/**
 * Adds an int64 field with `add` (the generated `add<Field>`), unless
 * `value` is undefined. flatc 2.0.8's TypeScript adds optional scalars
 * (`= null` fields) with a default of 0, so a value of 0 (1970-01-01,
 * `expires_at: 0`) would be left out and read back as absent. Forcing
 * defaults while adding them writes every value that is given.
 */
function addInt64(
  b: flatbuffers.Builder,
  add: (b: flatbuffers.Builder, value: bigint) => void,
  value: number | undefined
): void {
  if (value === undefined) return
  b.forceDefaults(true)
  try {
    add(b, BigInt(value))
  } finally {
    b.forceDefaults(false)
  }
}

function str(b: flatbuffers.Builder, value: string | undefined): number {
  return value === undefined ? 0 : b.createString(value)
}

/**
 * Splits the properties of `record` that are set (not `undefined`) by the
 * rule of the file comment: `field(key, value)` for each schema field (one
 * of `schemaKeys`), and every other property into `extra`, for
 * `extra_json`.
 */
function forEachField(
  record: Obj,
  schemaKeys: ReadonlySet<string>,
  extra: Obj,
  field: (key: string, value: unknown) => void
): void {
  for (const key of Object.keys(record)) {
    const value = record[key]
    if (value === undefined) continue
    if (schemaKeys.has(key)) field(key, value)
    else extra[key] = value
  }
}

/** The `extra_json` string of `extra`, or 0 when there is nothing extra. */
function extraJsonOf(b: flatbuffers.Builder, extra: Obj, what: string): number {
  const text = encodeExtra(extra, what)
  return text ? b.createString(text) : 0
}

/**
 * A User FlatBuffer from a whole user (createUser) or a patch (updateUser:
 * only the properties present are set).
 */
export function encodeUser(b: flatbuffers.Builder, record: object): Uint8Array {
  b.clear()
  let mask = 0
  const extra: Obj = Object.create(null)
  const strings: Record<string, string | undefined> = {}
  let verifiedMs: number | undefined
  forEachField(record as Obj, USER_KEYS, extra, (key, value) => {
    if (key === "id") {
      strings.id = requireString(value, "user.id")
    } else if (key === "emailVerified") {
      // A Date, or what JSON made of one (an ISO string, epoch ms): an
      // adapter fed from a JSON body must not lose it, and anything else
      // is refused rather than dropped.
      if (value === null) mask |= 1 << USER_NULL.emailVerified
      else verifiedMs = toMs(value, "user.emailVerified")
    } else if (value === null) {
      mask |= 1 << USER_NULL[key as (typeof USER_STRINGS)[number]]
    } else {
      strings[key] = requireString(value, `user.${key}`)
    }
  })
  const id = str(b, strings.id === "" ? undefined : strings.id)
  const name = str(b, strings.name)
  const email = str(b, strings.email)
  const image = str(b, strings.image)
  const extraJson = extraJsonOf(b, extra, "user")
  User.startUser(b)
  if (id) User.addId(b, id)
  if (name) User.addName(b, name)
  if (email) User.addEmail(b, email)
  addInt64(b, User.addEmailVerifiedMs, verifiedMs)
  if (image) User.addImage(b, image)
  if (extraJson) User.addExtraJson(b, extraJson)
  User.addNullFields(b, mask)
  User.finishUserBuffer(b, User.endUser(b))
  return b.asUint8Array()
}

/**
 * An Account FlatBuffer from a whole account (linkAccount) or a patch
 * (updateAccount: provider and providerAccountId identify it).
 */
export function encodeAccount(
  b: flatbuffers.Builder,
  record: object,
  patch = false
): Uint8Array {
  b.clear()
  let mask = 0
  const extra: Obj = Object.create(null)
  const strings: Record<string, string | undefined> = {}
  let expiresAt: number | undefined
  forEachField(record as Obj, ACCOUNT_KEYS, extra, (key, value) => {
    if (
      key === "userId" ||
      key === "type" ||
      key === "provider" ||
      key === "providerAccountId"
    ) {
      strings[key] = requireString(value, `account.${key}`)
    } else if (value === null) {
      mask |= 1 << ACCOUNT_NULL[key as keyof typeof ACCOUNT_NULL]
    } else if (key === "expires_at") {
      if (typeof value === "number" && Number.isSafeInteger(value))
        expiresAt = value
      else extra[key] = value
    } else if (typeof value === "string") {
      strings[key] = value
    } else {
      extra[key] = value
    }
  })
  for (const key of ["provider", "providerAccountId"] as const) {
    if (strings[key] === undefined) throw invalid(`account.${key} is required`)
  }
  if (!patch) {
    for (const key of ["userId", "type"] as const) {
      if (strings[key] === undefined)
        throw invalid(`account.${key} is required`)
    }
  }
  const userId = str(b, strings.userId)
  const type = str(b, strings.type)
  const provider = str(b, strings.provider)
  const providerAccountId = str(b, strings.providerAccountId)
  const tokens = ACCOUNT_STRINGS.map((key) => str(b, strings[key]))
  const extraJson = extraJsonOf(b, extra, "account")
  Account.startAccount(b)
  if (userId) Account.addUserId(b, userId)
  if (type) Account.addType(b, type)
  Account.addProvider(b, provider)
  Account.addProviderAccountId(b, providerAccountId)
  if (tokens[0]) Account.addAccessToken(b, tokens[0])
  if (tokens[1]) Account.addRefreshToken(b, tokens[1])
  if (tokens[2]) Account.addIdToken(b, tokens[2])
  if (tokens[3]) Account.addScope(b, tokens[3])
  if (tokens[4]) Account.addTokenType(b, tokens[4])
  if (tokens[5]) Account.addSessionState(b, tokens[5])
  addInt64(b, Account.addExpiresAt, expiresAt)
  if (extraJson) Account.addExtraJson(b, extraJson)
  Account.addNullFields(b, mask)
  Account.finishAccountBuffer(b, Account.endAccount(b))
  return b.asUint8Array()
}

export function encodeSession(
  b: flatbuffers.Builder,
  record: object
): Uint8Array {
  const session = record as Obj
  b.clear()
  const token = b.createString(
    requireString(session.sessionToken, "session.sessionToken")
  )
  const userId = b.createString(requireString(session.userId, "session.userId"))
  const expires = toMs(session.expires, "session.expires")
  Session.startSession(b)
  Session.addSessionToken(b, token)
  Session.addUserId(b, userId)
  addInt64(b, Session.addExpiresMs, expires)
  Session.finishSessionBuffer(b, Session.endSession(b))
  return b.asUint8Array()
}

export function encodeVerificationToken(
  b: flatbuffers.Builder,
  record: object
): Uint8Array {
  const vt = record as Obj
  b.clear()
  const identifier = b.createString(
    requireString(vt.identifier, "verificationToken.identifier")
  )
  const token = b.createString(
    requireString(vt.token, "verificationToken.token")
  )
  const expires = toMs(vt.expires, "verificationToken.expires")
  VerificationToken.startVerificationToken(b)
  VerificationToken.addIdentifier(b, identifier)
  VerificationToken.addToken(b, token)
  addInt64(b, VerificationToken.addExpiresMs, expires)
  VerificationToken.finishVerificationTokenBuffer(
    b,
    VerificationToken.endVerificationToken(b)
  )
  return b.asUint8Array()
}

export function encodeAuthenticator(
  b: flatbuffers.Builder,
  record: object
): Uint8Array {
  const a = record as Obj
  b.clear()
  const counter = a.counter ?? 0
  if (
    typeof counter !== "number" ||
    !Number.isSafeInteger(counter) ||
    counter < 0
  ) {
    throw invalid("authenticator.counter must be a non-negative integer")
  }
  if (typeof a.credentialBackedUp !== "boolean") {
    throw invalid("authenticator.credentialBackedUp must be a boolean")
  }
  const credentialId = b.createString(
    requireString(a.credentialID, "authenticator.credentialID")
  )
  const userId = b.createString(requireString(a.userId, "authenticator.userId"))
  const providerAccountId = b.createString(
    requireString(a.providerAccountId, "authenticator.providerAccountId")
  )
  const publicKey = b.createString(
    requireString(a.credentialPublicKey, "authenticator.credentialPublicKey")
  )
  const deviceType = b.createString(
    requireString(a.credentialDeviceType, "authenticator.credentialDeviceType")
  )
  let mask = 0
  let transports = 0
  if (a.transports === null) mask |= 1 << AUTHENTICATOR_NULL.transports
  else if (a.transports !== undefined) {
    transports = b.createString(
      requireString(a.transports, "authenticator.transports")
    )
  }
  Authenticator.startAuthenticator(b)
  Authenticator.addCredentialId(b, credentialId)
  Authenticator.addUserId(b, userId)
  Authenticator.addProviderAccountId(b, providerAccountId)
  Authenticator.addCredentialPublicKey(b, publicKey)
  Authenticator.addCounter(b, BigInt(counter))
  Authenticator.addCredentialBackedUp(b, a.credentialBackedUp)
  Authenticator.addCredentialDeviceType(b, deviceType)
  if (transports) Authenticator.addTransports(b, transports)
  Authenticator.addNullFields(b, mask)
  Authenticator.finishAuthenticatorBuffer(b, Authenticator.endAuthenticator(b))
  return b.asUint8Array()
}

// ---------------------------------------------------------------------------
// Reading

/**
 * A ByteBuffer over `bytes` as a Node Buffer, so that strings read with
 * `Encoding.UTF8_BYTES` are Buffers too and decode with the native UTF-8
 * decoder ({@link text}), which is faster than the runtime's TextDecoder
 * for short strings.
 */
function root(
  bytes: Uint8Array,
  id: string,
  what: string
): flatbuffers.ByteBuffer {
  const buf = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const bb = new flatbuffers.ByteBuffer(buf)
  if (buf.length < 8 || !bb.__has_identifier(id)) throw corrupt(what)
  return bb
}

const UTF8 = flatbuffers.Encoding.UTF8_BYTES

/** A string field read as bytes (`field(UTF8)`), decoded; null if unset. */
function text(bytes: string | Uint8Array | null): string | null {
  if (bytes === null || typeof bytes === "string") return bytes
  return (bytes as Buffer).toString()
}

function nullable(
  target: Obj,
  key: string,
  value: string | null,
  mask: number,
  bit: number
): void {
  if (value !== null) target[key] = value
  else if (mask & (1 << bit)) target[key] = null
}

export function readUser(t: User): AuthKVUser {
  const mask = t.nullFields()
  const user: Obj = { id: text(t.id(UTF8)) ?? "" }
  nullable(user, "name", text(t.name(UTF8)), mask, USER_NULL.name)
  nullable(user, "email", text(t.email(UTF8)), mask, USER_NULL.email)
  const verified = t.emailVerifiedMs()
  // Auth.js's AdapterUser always has emailVerified: null when unknown.
  user.emailVerified = verified !== null ? new Date(Number(verified)) : null
  nullable(user, "image", text(t.image(UTF8)), mask, USER_NULL.image)
  decodeExtra(text(t.extraJson(UTF8)), user)
  return user as AuthKVUser
}

export function decodeUser(bytes: Uint8Array): AuthKVUser {
  return readUser(User.getRootAsUser(root(bytes, "AKUS", "User")))
}

export function decodeAccount(bytes: Uint8Array): AuthKVAccount {
  const t = Account.getRootAsAccount(root(bytes, "AKAC", "Account"))
  const mask = t.nullFields()
  const account: Obj = {
    userId: text(t.userId(UTF8)) ?? "",
    type: text(t.type(UTF8)) ?? "",
    provider: text(t.provider(UTF8)) ?? "",
    providerAccountId: text(t.providerAccountId(UTF8)) ?? "",
  }
  nullable(
    account,
    "access_token",
    text(t.accessToken(UTF8)),
    mask,
    ACCOUNT_NULL.access_token
  )
  nullable(
    account,
    "refresh_token",
    text(t.refreshToken(UTF8)),
    mask,
    ACCOUNT_NULL.refresh_token
  )
  nullable(
    account,
    "id_token",
    text(t.idToken(UTF8)),
    mask,
    ACCOUNT_NULL.id_token
  )
  nullable(account, "scope", text(t.scope(UTF8)), mask, ACCOUNT_NULL.scope)
  nullable(
    account,
    "token_type",
    text(t.tokenType(UTF8)),
    mask,
    ACCOUNT_NULL.token_type
  )
  nullable(
    account,
    "session_state",
    text(t.sessionState(UTF8)),
    mask,
    ACCOUNT_NULL.session_state
  )
  const expiresAt = t.expiresAt()
  if (expiresAt !== null) account.expires_at = Number(expiresAt)
  else if (mask & (1 << ACCOUNT_NULL.expires_at)) account.expires_at = null
  decodeExtra(text(t.extraJson(UTF8)), account)
  return account as AuthKVAccount
}

function readSession(t: Session, token?: string): AuthKVSession {
  return {
    sessionToken: token ?? text(t.sessionToken(UTF8)) ?? "",
    userId: text(t.userId(UTF8)) ?? "",
    expires: new Date(Number(t.expiresMs())),
  }
}

/** `token` fills in the token if the library left it out of the record. */
export function decodeSession(
  bytes: Uint8Array,
  token?: string
): AuthKVSession {
  return readSession(
    Session.getRootAsSession(root(bytes, "AKSE", "Session")),
    token
  )
}

export function decodeSessionAndUser(
  bytes: Uint8Array,
  token?: string
): { session: AuthKVSession; user: AuthKVUser } {
  const t = SessionAndUser.getRootAsSessionAndUser(
    root(bytes, "AKSU", "SessionAndUser")
  )
  const session = t.session()
  const user = t.user()
  if (!session || !user) throw corrupt("SessionAndUser")
  return { session: readSession(session, token), user: readUser(user) }
}

export function decodeVerificationToken(
  bytes: Uint8Array,
  given?: { identifier?: string; token?: string }
): AuthKVVerificationToken {
  const t = VerificationToken.getRootAsVerificationToken(
    root(bytes, "AKVT", "VerificationToken")
  )
  return {
    identifier: text(t.identifier(UTF8)) ?? given?.identifier ?? "",
    token: text(t.token(UTF8)) ?? given?.token ?? "",
    expires: new Date(Number(t.expiresMs())),
  }
}

function readAuthenticator(t: Authenticator): AuthKVAuthenticator {
  const a: AuthKVAuthenticator = {
    credentialID: text(t.credentialId(UTF8)) ?? "",
    userId: text(t.userId(UTF8)) ?? "",
    providerAccountId: text(t.providerAccountId(UTF8)) ?? "",
    credentialPublicKey: text(t.credentialPublicKey(UTF8)) ?? "",
    counter: Number(t.counter()),
    credentialBackedUp: t.credentialBackedUp(),
    credentialDeviceType: text(t.credentialDeviceType(UTF8)) ?? "",
  }
  const transports = text(t.transports(UTF8))
  if (transports !== null) a.transports = transports
  else if (t.nullFields() & (1 << AUTHENTICATOR_NULL.transports))
    a.transports = null
  return a
}

export function decodeAuthenticator(bytes: Uint8Array): AuthKVAuthenticator {
  return readAuthenticator(
    Authenticator.getRootAsAuthenticator(root(bytes, "AKAU", "Authenticator"))
  )
}

export function decodeAuthenticatorList(
  bytes: Uint8Array
): AuthKVAuthenticator[] {
  if (bytes.length === 0) return []
  const t = AuthenticatorList.getRootAsAuthenticatorList(
    root(bytes, "AKAL", "AuthenticatorList")
  )
  const items: AuthKVAuthenticator[] = []
  const n = t.itemsLength()
  for (let i = 0; i < n; i++) {
    const item = t.items(i)
    if (item) items.push(readAuthenticator(item))
  }
  return items
}
