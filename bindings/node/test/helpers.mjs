// Shared helpers of the node:test suites: temporary databases, and the raw
// record readers (`db.*` of the Auth.js shared suite) that bypass the
// adapter. The raw readers call the C ABI getters through the package's
// internal native handle and decode the FlatBuffers here, with the
// flatc-generated classes directly, so a bug in the adapter's codec cannot
// hide behind the same bug in the reader.

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as flatbuffers from "flatbuffers"
import nativeModule from "../dist/native.js"
import accountSchema from "../dist/schema/account_generated.js"
import authenticatorSchema from "../dist/schema/authenticator_generated.js"
import sessionAndUserSchema from "../dist/schema/session_and_user_generated.js"
import userSchema from "../dist/schema/user_generated.js"
import verificationTokenSchema from "../dist/schema/verification_token_generated.js"

export const { nativeHandles } = nativeModule
const { Account } = accountSchema
const { Authenticator } = authenticatorSchema
const { SessionAndUser } = sessionAndUserSchema
const { User } = userSchema
const { VerificationToken } = verificationTokenSchema

/** A fresh directory for one database; `cleanup()` removes it. */
export function tempDir(prefix = "authkv-node-") {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    path: join(dir, "db"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

function reviveExtra(text, target) {
  if (!text) return
  const revive = (v) => {
    if (v === null || typeof v !== "object") return v
    if (Array.isArray(v)) return v.map(revive)
    const keys = Object.keys(v)
    if (
      keys.length === 1 &&
      keys[0] === "$date" &&
      typeof v.$date === "number"
    ) {
      return new Date(v.$date)
    }
    if (keys.length === 1 && keys[0] === "$literal") {
      return Object.fromEntries(
        Object.entries(v.$literal).map(([k, x]) => [k, revive(x)])
      )
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]))
  }
  for (const [k, v] of Object.entries(JSON.parse(text))) target[k] = revive(v)
}

function put(target, key, value, mask, bit) {
  if (value !== null) target[key] = value
  else if (mask & (1 << bit)) target[key] = null
}

function rawUser(t) {
  const mask = t.nullFields()
  const u = { id: t.id() }
  put(u, "name", t.name(), mask, 0)
  put(u, "email", t.email(), mask, 1)
  const ms = t.emailVerifiedMs()
  put(u, "emailVerified", ms === null ? null : new Date(Number(ms)), mask, 3)
  put(u, "image", t.image(), mask, 2)
  reviveExtra(t.extraJson(), u)
  return u
}

function bb(bytes) {
  return new flatbuffers.ByteBuffer(bytes)
}

/**
 * The `db` helper of the Auth.js shared suite for an authkv database opened
 * with `open()`: raw reads that return `null` for a missing record.
 */
export function rawReader(database) {
  const native = nativeHandles.get(database)
  if (!native) throw new Error("rawReader needs a database from open()")
  return {
    user(id) {
      const bytes = native.userGet(id)
      return bytes ? rawUser(User.getRootAsUser(bb(bytes))) : null
    },
    session(sessionToken) {
      const bytes = native.sessionAndUserGet(sessionToken)
      if (!bytes) return null
      const s = SessionAndUser.getRootAsSessionAndUser(bb(bytes)).session()
      return {
        sessionToken: s.sessionToken() ?? sessionToken,
        userId: s.userId(),
        expires: new Date(Number(s.expiresMs())),
      }
    },
    account({ provider, providerAccountId }) {
      const bytes = native.accountGet(provider, providerAccountId)
      if (!bytes) return null
      const t = Account.getRootAsAccount(bb(bytes))
      const mask = t.nullFields()
      const a = {
        userId: t.userId(),
        type: t.type(),
        provider: t.provider(),
        providerAccountId: t.providerAccountId(),
      }
      put(a, "access_token", t.accessToken(), mask, 0)
      put(a, "refresh_token", t.refreshToken(), mask, 1)
      put(a, "id_token", t.idToken(), mask, 2)
      put(a, "scope", t.scope(), mask, 3)
      put(a, "token_type", t.tokenType(), mask, 4)
      put(a, "session_state", t.sessionState(), mask, 5)
      const exp = t.expiresAt()
      put(a, "expires_at", exp === null ? null : Number(exp), mask, 6)
      reviveExtra(t.extraJson(), a)
      return a
    },
    // The C ABI has no non-destructive token read: use the token, then
    // store it again, which leaves the database as it was. Async because
    // writes to a database opened with `sync` are.
    async verificationToken({ identifier, token }) {
      const bytes = await native.verificationTokenUse(identifier, token)
      if (!bytes) return null
      const t = VerificationToken.getRootAsVerificationToken(bb(bytes))
      const found = {
        identifier: t.identifier() ?? identifier,
        token: t.token() ?? token,
        expires: new Date(Number(t.expiresMs())),
      }
      await native.verificationTokenCreate(bytes)
      return found
    },
    authenticator(credentialID) {
      const bytes = native.authenticatorGet(credentialID)
      if (!bytes) return null
      const t = Authenticator.getRootAsAuthenticator(bb(bytes))
      const a = {
        credentialID: t.credentialId(),
        userId: t.userId(),
        providerAccountId: t.providerAccountId(),
        credentialPublicKey: t.credentialPublicKey(),
        counter: Number(t.counter()),
        credentialBackedUp: t.credentialBackedUp(),
        credentialDeviceType: t.credentialDeviceType(),
      }
      put(a, "transports", t.transports(), t.nullFields(), 0)
      return a
    },
  }
}
