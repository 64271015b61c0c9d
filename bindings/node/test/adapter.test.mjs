// The Auth.js adapter conformance cases (next-auth packages/utils/adapter.ts,
// `runBasicTests`, as described in docs/contract.md §2.2), re-implemented for
// node:test with WebAuthn on and the CUSTOM_MODEL user fields (role, phone),
// followed by authkv's stricter cases. The first describe block shares its
// fixtures between tests in order, as the original suite does.

import assert from "node:assert/strict"
import { createHash, randomInt, randomUUID } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { AuthKVAdapter, AuthKVError, open } from "authkv"
import { nativeHandles, rawReader, tempDir } from "./helpers.mjs"

const ONE_WEEK_FROM_NOW = new Date(Date.now() + 7 * 24 * 3600 * 1000)
ONE_WEEK_FROM_NOW.setMilliseconds(0)
const FIFTEEN_MINUTES_FROM_NOW = new Date(Date.now() + 15 * 60 * 1000)
FIFTEEN_MINUTES_FROM_NOW.setMilliseconds(0)
const ONE_MONTH = 30 * 24 * 3600 * 1000
const ONE_MONTH_FROM_NOW = new Date(Date.now() + ONE_MONTH)
ONE_MONTH_FROM_NOW.setMilliseconds(0)

const hashToken = (t) =>
  createHash("sha256").update(`${t}anything`).digest("hex")

/** Fixture and setup of the WebAuthn cases: a user with a webauthn account. */
async function webauthnSetup(adapter) {
  const user = await adapter.createUser({
    id: randomUUID(),
    email: `${randomUUID()}@example.com`,
    emailVerified: null,
  })
  const credentialID = Buffer.from(randomUUID()).toString("base64")
  await adapter.linkAccount({
    provider: "webauthn",
    providerAccountId: credentialID,
    type: "webauthn",
    userId: user.id,
  })
  return { user, credentialID }
}

function authenticatorFixture(
  credentialID,
  userId,
  transports = "usb,ble,nfc"
) {
  return {
    credentialID,
    providerAccountId: credentialID,
    userId,
    counter: randomInt(100),
    credentialBackedUp: true,
    credentialDeviceType: "platform",
    credentialPublicKey: randomUUID(),
    transports,
  }
}

for (const sync of [false, true]) {
  describe(`Auth.js shared adapter suite (WebAuthn on, CUSTOM_MODEL, sync: ${sync})`, () => {
    const dir = tempDir()
    let database
    let adapter
    let db
    let user = {
      id: randomUUID(),
      email: "fill@murray.com",
      image: "https://www.fillmurray.com/460/300",
      name: "Fill Murray",
      emailVerified: new Date(),
      role: "admin",
      phone: "00000000000",
    }
    const session = { sessionToken: randomUUID(), expires: ONE_WEEK_FROM_NOW }
    const account = {
      provider: "github",
      providerAccountId: randomUUID(),
      type: "oauth",
      access_token: randomUUID(),
      expires_at: ONE_MONTH / 1000,
      id_token: randomUUID(),
      refresh_token: randomUUID(),
      token_type: "bearer",
      scope: "user",
      session_state: randomUUID(),
    }

    before(() => {
      database = open(dir.path, { sync })
      adapter = AuthKVAdapter({ db: database })
      db = rawReader(database)
    })
    after(() => {
      adapter.close()
      database.close()
      dir.cleanup()
    })

    it("Required (User, Account, Session) methods exist", () => {
      for (const m of [
        "createUser",
        "getUser",
        "getUserByEmail",
        "getUserByAccount",
        "updateUser",
        "linkAccount",
        "createSession",
        "getSessionAndUser",
        "updateSession",
        "deleteSession",
      ]) {
        assert.equal(typeof adapter[m], "function", m)
        assert.ok(
          Object.keys(adapter).includes(m),
          `${m} is an own enumerable property`
        )
      }
    })

    it("createUser", async () => {
      const created = await adapter.createUser(user)
      const stored = db.user(created.id)
      assert.deepEqual(stored, { ...user, id: created.id })
      user = stored
      session.userId = user.id
      account.userId = user.id
    })

    it("getUser", async () => {
      assert.equal(await adapter.getUser(randomUUID()), null)
      assert.deepEqual(await adapter.getUser(user.id), user)
    })

    it("getUserByEmail", async () => {
      assert.equal(await adapter.getUserByEmail("non-existent-email"), null)
      assert.deepEqual(await adapter.getUserByEmail(user.email), user)
    })

    it("createSession", async () => {
      const created = await adapter.createSession(session)
      const stored = db.session(created.sessionToken)
      assert.deepEqual(stored, session)
    })

    it("getSessionAndUser", async () => {
      assert.equal(await adapter.getSessionAndUser("invalid-token"), null)
      assert.deepEqual(await adapter.getSessionAndUser(session.sessionToken), {
        session,
        user,
      })
    })

    it("updateUser", async () => {
      const updated = await adapter.updateUser({
        id: user.id,
        name: "Updated Name",
      })
      assert.equal(updated.name, "Updated Name")
      assert.equal(db.user(user.id).name, "Updated Name")
      user.name = "Updated Name"
      assert.deepEqual(updated, user)
    })

    it("updateSession", async () => {
      const before = db.session(session.sessionToken)
      assert.notEqual(before.expires.valueOf(), ONE_MONTH_FROM_NOW.valueOf())
      await adapter.updateSession({
        sessionToken: session.sessionToken,
        expires: ONE_MONTH_FROM_NOW,
      })
      assert.equal(
        db.session(session.sessionToken).expires.valueOf(),
        ONE_MONTH_FROM_NOW.valueOf()
      )
    })

    it("linkAccount", async () => {
      await adapter.linkAccount(account)
      assert.deepEqual(db.account(account), account)
    })

    it("getUserByAccount", async () => {
      assert.equal(
        await adapter.getUserByAccount({
          provider: "invalid-provider",
          providerAccountId: "x",
        }),
        null
      )
      assert.deepEqual(await adapter.getUserByAccount(account), user)
    })

    it("deleteSession", async () => {
      await adapter.deleteSession(session.sessionToken)
      assert.equal(db.session(session.sessionToken), null)
    })

    it("Verification Token methods exist", () => {
      assert.equal(typeof adapter.createVerificationToken, "function")
      assert.equal(typeof adapter.useVerificationToken, "function")
    })

    it("createVerificationToken", async () => {
      const identifier = "info@example.com"
      const token = hashToken(randomUUID())
      const vt = { identifier, token, expires: FIFTEEN_MINUTES_FROM_NOW }
      await adapter.createVerificationToken(vt)
      assert.deepEqual(await db.verificationToken({ token, identifier }), vt)
    })

    it("useVerificationToken", async () => {
      const identifier = "info@example.com"
      const token = hashToken(randomUUID())
      const vt = { identifier, token, expires: FIFTEEN_MINUTES_FROM_NOW }
      await adapter.createVerificationToken(vt)
      assert.deepEqual(
        await adapter.useVerificationToken({ identifier, token }),
        vt
      )
      assert.equal(
        await adapter.useVerificationToken({ identifier, token }),
        null
      )
      await adapter.createVerificationToken(vt)
      assert.equal(
        await adapter.useVerificationToken({
          identifier: "invalid@identifier.com",
          token,
        }),
        null
      )
    })

    it("Future methods exist", () => {
      assert.equal(typeof adapter.unlinkAccount, "function")
      assert.equal(typeof adapter.deleteUser, "function")
    })

    it("unlinkAccount", async () => {
      assert.deepEqual(db.account(account), account)
      await adapter.unlinkAccount(account)
      assert.equal(db.account(account), null)
    })

    it("deleteUser", async () => {
      assert.deepEqual(db.user(user.id), user)
      // Re-create the session and the account deleted above: keys used before
      // must be reusable.
      await adapter.createSession(session)
      await adapter.linkAccount(account)
      assert.notEqual(db.session(session.sessionToken), null)
      assert.notEqual(db.account(account), null)
      await adapter.deleteUser(user.id)
      assert.equal(db.user(user.id), null)
      assert.equal(db.session(session.sessionToken), null)
      assert.equal(db.account(account), null)
    })

    it("getAccount", async () => {
      const u = await adapter.createUser({
        id: randomUUID(),
        email: "getAccount@example.com",
        emailVerified: null,
      })
      const acc = {
        provider: "auth0",
        providerAccountId: randomUUID(),
        type: "oauth",
        userId: u.id,
      }
      await adapter.linkAccount(acc)
      assert.equal(
        await adapter.getAccount(randomUUID(), "invalid-provider"),
        null
      )
      assert.equal(
        await adapter.getAccount(acc.providerAccountId, "invalid-provider"),
        null
      )
      assert.equal(await adapter.getAccount(randomUUID(), "auth0"), null)
      const found = await adapter.getAccount(acc.providerAccountId, "auth0")
      assert.notEqual(found, null)
      assert.deepEqual(db.account(acc), found)
    })

    it("createAuthenticator", async () => {
      const { user: u, credentialID } = await webauthnSetup(adapter)
      const input = authenticatorFixture(credentialID, u.id)
      const created = await adapter.createAuthenticator(input)
      assert.notEqual(created, null)
      assert.deepEqual(created, input)
      assert.deepEqual(db.authenticator(credentialID), created)
    })

    it("getAuthenticator", async () => {
      const { user: u, credentialID } = await webauthnSetup(adapter)
      await adapter.createAuthenticator(
        authenticatorFixture(credentialID, u.id)
      )
      assert.equal(
        await adapter.getAuthenticator("invalid-credential-id"),
        null
      )
      const found = await adapter.getAuthenticator(credentialID)
      assert.notEqual(found, null)
      assert.deepEqual(db.authenticator(credentialID), found)
    })

    it("listAuthenticatorsByUserId", async () => {
      const { user: user1, credentialID: cred1 } = await webauthnSetup(adapter)
      const { user: user2, credentialID: cred3 } = await webauthnSetup(adapter)
      const cred2 = Buffer.from(randomUUID()).toString("base64")
      await adapter.linkAccount({
        provider: "webauthn",
        providerAccountId: cred2,
        type: "webauthn",
        userId: user1.id,
      })
      const a1 = await adapter.createAuthenticator(
        authenticatorFixture(cred1, user1.id)
      )
      const a2 = await adapter.createAuthenticator(
        authenticatorFixture(cred2, user1.id, "usb,nfc")
      )
      const a3 = await adapter.createAuthenticator(
        authenticatorFixture(cred3, user2.id, "usb,ble")
      )
      assert.deepEqual(
        await adapter.listAuthenticatorsByUserId("invalid-user-id"),
        []
      )
      const list1 = await adapter.listAuthenticatorsByUserId(user1.id)
      for (const item of list1) {
        assert.ok(
          [a1, a2].some((a) => {
            try {
              assert.deepEqual(item, a)
              return true
            } catch {
              return false
            }
          }),
          "every listed authenticator is one that was created"
        )
      }
      // Stricter than the shared suite, whose subset check passes for [].
      assert.equal(list1.length, 2)
      const byId = (a, b) => a.credentialID.localeCompare(b.credentialID)
      assert.deepEqual([...list1].sort(byId), [a1, a2].sort(byId))
      assert.deepEqual(await adapter.listAuthenticatorsByUserId(user2.id), [a3])
    })

    it("updateAuthenticatorCounter", async () => {
      const { user: u, credentialID } = await webauthnSetup(adapter)
      const created = await adapter.createAuthenticator(
        authenticatorFixture(credentialID, u.id)
      )
      await assert.rejects(
        adapter.updateAuthenticatorCounter(
          "invalid-credential-id",
          randomInt(100)
        )
      )
      const newCounter = created.counter + randomInt(100)
      const updated = await adapter.updateAuthenticatorCounter(
        credentialID,
        newCounter
      )
      assert.notEqual(updated, null)
      assert.equal(updated.counter, newCounter)
      assert.equal(db.authenticator(credentialID).counter, newCounter)
    })
  })
}

// ---------------------------------------------------------------------------
// authkv's stricter cases: a fresh database per test.

function withAdapter(options, fn) {
  if (typeof options === "function") [options, fn] = [{}, options]
  return async () => {
    const dir = tempDir()
    const database = open(dir.path, options)
    const adapter = AuthKVAdapter({ ...options, db: database })
    try {
      await fn({ adapter, db: rawReader(database), database })
    } finally {
      adapter.close()
      database.close()
      dir.cleanup()
    }
  }
}

const newUser = (extra = {}) => ({
  email: `${randomUUID()}@example.com`,
  emailVerified: null,
  ...extra,
})

/** A new user with one session, `token`, valid for a minute; the session. */
async function createUserWithSession(adapter, token) {
  const u = await adapter.createUser(newUser())
  const session = {
    sessionToken: token,
    userId: u.id,
    expires: new Date(Date.now() + 60_000),
  }
  await adapter.createSession(session)
  return session
}

describe("authkv: not found is null", () => {
  it(
    "every lookup of a missing record returns null (not undefined)",
    withAdapter(async ({ adapter }) => {
      assert.equal(await adapter.getUser("missing"), null)
      assert.equal(await adapter.getUserByEmail("missing@example.com"), null)
      assert.equal(
        await adapter.getUserByAccount({
          provider: "p",
          providerAccountId: "x",
        }),
        null
      )
      assert.equal(await adapter.getSessionAndUser("missing"), null)
      assert.equal(await adapter.getAccount("x", "p"), null)
      assert.equal(await adapter.getAuthenticator("missing"), null)
      assert.equal(
        await adapter.updateSession({
          sessionToken: "missing",
          expires: new Date(),
        }),
        null
      )
      assert.equal(await adapter.deleteSession("missing"), null)
      assert.equal(await adapter.deleteUser("missing"), null)
      assert.equal(
        await adapter.updateAccount({ provider: "p", providerAccountId: "x" }),
        null
      )
      assert.equal(
        await adapter.useVerificationToken({ identifier: "a@b.c", token: "t" }),
        null
      )
      assert.equal(
        await adapter.unlinkAccount({ provider: "p", providerAccountId: "x" }),
        undefined
      )
      assert.deepEqual(await adapter.listAuthenticatorsByUserId("missing"), [])
    })
  )

  it(
    "useVerificationToken with identifier undefined returns null and keeps the token",
    withAdapter(async ({ adapter, db }) => {
      const vt = {
        identifier: "a@example.com",
        token: hashToken("x"),
        expires: new Date(),
      }
      await adapter.createVerificationToken(vt)
      assert.equal(
        await adapter.useVerificationToken({
          identifier: undefined,
          token: vt.token,
        }),
        null
      )
      assert.deepEqual(await db.verificationToken(vt), vt)
    })
  )

  it(
    "updateUser of a missing user and updateAuthenticatorCounter of a missing credential throw",
    withAdapter(async ({ adapter }) => {
      await assert.rejects(adapter.updateUser({ id: "missing", name: "x" }), {
        name: "AuthKVError",
        code: "ENOTFOUND",
      })
      await assert.rejects(
        adapter.updateAuthenticatorCounter("missing", 1),
        (err) => {
          assert.ok(err instanceof AuthKVError)
          assert.equal(err.code, "ENOTFOUND")
          return true
        }
      )
    })
  )
})

describe("authkv: round trips", () => {
  it(
    "Dates round-trip to the millisecond",
    withAdapter(async ({ adapter, db }) => {
      const when = new Date(Date.UTC(2031, 4, 6, 7, 8, 9, 123))
      const u = await adapter.createUser(newUser({ emailVerified: when }))
      assert.ok(u.emailVerified instanceof Date)
      assert.equal(u.emailVerified.getTime(), when.getTime())
      assert.equal(db.user(u.id).emailVerified.getTime(), when.getTime())
      const expires = new Date(Date.now() + 3_600_123)
      const s = await adapter.createSession({
        sessionToken: "t1",
        userId: u.id,
        expires,
      })
      assert.equal(s.expires.getTime(), expires.getTime())
      const got = await adapter.getSessionAndUser("t1")
      assert.ok(got.session.expires instanceof Date)
      assert.equal(got.session.expires.getTime(), expires.getTime())
      const vt = { identifier: "x@example.com", token: hashToken("t"), expires }
      await adapter.createVerificationToken(vt)
      const used = await adapter.useVerificationToken(vt)
      assert.ok(used.expires instanceof Date)
      assert.equal(used.expires.getTime(), expires.getTime())
      // The epoch itself is a value, not "absent".
      const epoch = await adapter.createUser(
        newUser({ emailVerified: new Date(0) })
      )
      assert.equal((await adapter.getUser(epoch.id)).emailVerified.getTime(), 0)
      const before1970 = await adapter.createUser(
        newUser({ emailVerified: new Date(-86_400_001) })
      )
      assert.equal(
        (await adapter.getUser(before1970.id)).emailVerified.getTime(),
        -86_400_001
      )
    })
  )

  it(
    "null stays null and an absent field stays absent",
    withAdapter(async ({ adapter }) => {
      const a = await adapter.createUser({
        email: "a@example.com",
        emailVerified: null,
        name: null,
      })
      const got = await adapter.getUser(a.id)
      assert.equal(got.name, null)
      assert.equal(got.emailVerified, null)
      assert.ok(!("image" in got), "image was never given")
      const b = await adapter.createUser({ email: "b@example.com" })
      // Auth.js's AdapterUser always carries emailVerified (null if unknown).
      assert.deepEqual(await adapter.getUser(b.id), {
        id: b.id,
        email: "b@example.com",
        emailVerified: null,
      })
      assert.equal(
        (await adapter.updateUser({ id: b.id, image: null })).image,
        null
      )
      assert.equal(
        (await adapter.updateUser({ id: b.id, image: undefined })).image,
        null
      )
      assert.equal((await adapter.updateUser({ id: b.id, name: "" })).name, "")
    })
  )

  it(
    "extra user fields round-trip, including a Date and tag-shaped objects",
    withAdapter(async ({ adapter, db }) => {
      const extra = {
        role: "editor",
        phone: "00000000000",
        lastSeen: new Date(1_700_000_000_123),
        prefs: { theme: "dark", tags: ["a", 1, true, null], when: new Date(5) },
        lookalike: { $date: 42 },
        escaped: { $literal: "x" },
        count: 0,
        flag: false,
      }
      const u = await adapter.createUser(newUser(extra))
      for (const read of [u, await adapter.getUser(u.id), db.user(u.id)]) {
        for (const [k, v] of Object.entries(extra))
          assert.deepEqual(read[k], v, k)
      }
      const updated = await adapter.updateUser({
        id: u.id,
        role: "admin",
        since: new Date(9),
      })
      assert.equal(updated.role, "admin")
      assert.deepEqual(updated.since, new Date(9))
      assert.deepEqual(
        updated.lastSeen,
        extra.lastSeen,
        "other extras are kept"
      )
    })
  )

  it(
    "extra account fields round-trip, including a Date",
    withAdapter(async ({ adapter, db }) => {
      const u = await adapter.createUser(newUser())
      const account = {
        userId: u.id,
        type: "oauth",
        provider: "github",
        providerAccountId: "42",
        access_token: "gho_x",
        token_type: "bearer",
        expires_at: 0,
        refresh_token_expires_in: 15_897_600,
        ext_expires_in: 3600,
        ok: true,
        linkedAt: new Date(1_234_567),
        session_state: { nested: "json" },
      }
      const linked = await adapter.linkAccount(account)
      assert.deepEqual(linked, account)
      assert.deepEqual(await adapter.getAccount("42", "github"), account)
      assert.deepEqual(db.account(account), account)
    })
  )

  it(
    "userFields: defaults are applied on createUser and returned on reads",
    withAdapter(async ({ database }) => {
      const plain = AuthKVAdapter({ db: database })
      const legacy = await plain.createUser(newUser())
      const adapter = AuthKVAdapter({
        db: database,
        userFields: {
          role: { default: "ADMIN" },
          plan: { default: () => "free" },
        },
      })
      const u = await adapter.createUser(newUser())
      assert.equal(u.role, "ADMIN")
      assert.equal(u.plan, "free")
      assert.equal(
        (await plain.getUser(u.id)).role,
        "ADMIN",
        "the default is stored"
      )
      const given = await adapter.createUser(newUser({ role: "USER" }))
      assert.equal(given.role, "USER")
      assert.equal((await adapter.getUserByEmail(given.email)).role, "USER")
      // A user stored without the field reads back with the default.
      assert.equal((await adapter.getUser(legacy.id)).role, "ADMIN")
      assert.equal((await plain.getUser(legacy.id)).role, undefined)
    })
  )

  it(
    "createUser without an id gets a store-generated UUIDv7",
    withAdapter(async ({ adapter }) => {
      const u = await adapter.createUser({ email: "webauthn@example.com" })
      assert.match(
        u.id,
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      )
      assert.deepEqual(await adapter.getUser(u.id), u)
    })
  )
})

describe("authkv: writes", () => {
  it(
    "deleteUser removes the user with both sessions and both accounts",
    withAdapter(async ({ adapter, db }) => {
      const u = await adapter.createUser(newUser())
      const expires = new Date(Date.now() + 60_000)
      await adapter.createSession({ sessionToken: "s1", userId: u.id, expires })
      await adapter.createSession({ sessionToken: "s2", userId: u.id, expires })
      const acc1 = {
        userId: u.id,
        type: "oauth",
        provider: "github",
        providerAccountId: "1",
      }
      const acc2 = {
        userId: u.id,
        type: "oidc",
        provider: "google",
        providerAccountId: "2",
      }
      await adapter.linkAccount(acc1)
      await adapter.linkAccount(acc2)
      const other = await adapter.createUser(newUser())
      await adapter.createSession({
        sessionToken: "s3",
        userId: other.id,
        expires,
      })

      const deleted = await adapter.deleteUser(u.id)
      assert.deepEqual(deleted, u)
      assert.equal(db.user(u.id), null)
      assert.equal(db.session("s1"), null)
      assert.equal(db.session("s2"), null)
      assert.equal(db.account(acc1), null)
      assert.equal(db.account(acc2), null)
      assert.equal(await adapter.getUserByAccount(acc1), null)
      assert.equal(await adapter.getUserByEmail(u.email), null)
      assert.notEqual(db.session("s3"), null, "another user's session stays")
      assert.equal(await adapter.deleteUser(u.id), null)
    })
  )

  it(
    "unlinkAccount returns the removed account and keeps the user",
    withAdapter(async ({ adapter, db }) => {
      const u = await adapter.createUser(newUser())
      const acc = {
        userId: u.id,
        type: "oauth",
        provider: "github",
        providerAccountId: "7",
      }
      await adapter.linkAccount(acc)
      assert.deepEqual(await adapter.unlinkAccount(acc), acc)
      assert.equal(db.account(acc), null)
      assert.equal(await adapter.getUserByAccount(acc), null)
      assert.deepEqual(await adapter.getUser(u.id), u)
      assert.equal(await adapter.unlinkAccount(acc), undefined)
    })
  )

  it(
    "a duplicate email is refused with EEXISTS",
    withAdapter(async ({ adapter }) => {
      await adapter.createUser(newUser({ email: "dup@example.com" }))
      await assert.rejects(
        adapter.createUser(newUser({ email: "dup@example.com" })),
        {
          name: "AuthKVError",
          code: "EEXISTS",
        }
      )
      await assert.rejects(
        adapter.createUser(newUser({ email: "DUP@example.com" })),
        {
          code: "EEXISTS",
        }
      )
    })
  )

  it(
    "emailMatch: exact treats case as significant",
    withAdapter({ emailMatch: "exact" }, async ({ adapter }) => {
      const a = await adapter.createUser(newUser({ email: "Ann@example.com" }))
      assert.equal(await adapter.getUserByEmail("ann@example.com"), null)
      assert.deepEqual(await adapter.getUserByEmail("Ann@example.com"), a)
      await adapter.createUser(newUser({ email: "ann@example.com" }))
    })
  )

  it(
    "a duplicate provider account is refused, and linking to a missing user fails",
    withAdapter(async ({ adapter }) => {
      const u = await adapter.createUser(newUser())
      const acc = {
        userId: u.id,
        type: "oauth",
        provider: "github",
        providerAccountId: "1",
      }
      await adapter.linkAccount(acc)
      await assert.rejects(adapter.linkAccount(acc), { code: "EEXISTS" })
      await assert.rejects(
        adapter.linkAccount({
          ...acc,
          providerAccountId: "2",
          userId: "missing",
        }),
        { code: "ECONSTRAINT" }
      )
    })
  )

  it(
    "deleteSession returns the deleted session and never throws for a missing token",
    withAdapter(async ({ adapter }) => {
      const s = await createUserWithSession(adapter, "tok")
      assert.deepEqual(await adapter.deleteSession("tok"), s)
      assert.equal(await adapter.deleteSession("tok"), null)
      assert.equal(await adapter.getSessionAndUser("tok"), null)
    })
  )

  it(
    "updateSession returns the updated session",
    withAdapter(async ({ adapter }) => {
      const s = await createUserWithSession(adapter, "tok")
      const later = new Date(Date.now() + 120_000)
      assert.deepEqual(
        await adapter.updateSession({ sessionToken: "tok", expires: later }),
        {
          ...s,
          expires: later,
        }
      )
      assert.deepEqual(await adapter.updateSession({ sessionToken: "tok" }), {
        ...s,
        expires: later,
      })
    })
  )

  it(
    "an expired session reads as null",
    withAdapter(async ({ adapter }) => {
      const u = await adapter.createUser(newUser())
      await adapter.createSession({
        sessionToken: "old",
        userId: u.id,
        expires: new Date(Date.now() - 1000),
      })
      assert.equal(await adapter.getSessionAndUser("old"), null)
      // Auth.js then deletes it; that works for an expired session too.
      assert.notEqual(await adapter.deleteSession("old"), null)
    })
  )

  it(
    "updateAccount merges token fields and keeps the rest",
    withAdapter(async ({ adapter, db }) => {
      const u = await adapter.createUser(newUser())
      const acc = {
        userId: u.id,
        type: "oauth",
        provider: "zoom",
        providerAccountId: "z1",
        access_token: "old-access",
        refresh_token: "old-refresh",
        expires_at: 1000,
        scope: "read",
      }
      await adapter.linkAccount(acc)
      // Shaped like the `account` Auth.js hands to events.signIn.
      const updated = await adapter.updateAccount({
        userId: u.id,
        type: "oauth",
        provider: "zoom",
        providerAccountId: "z1",
        access_token: "new-access",
        refresh_token: "new-refresh",
        expires_at: 2000,
        refresh_token_expires_in: 90,
      })
      const want = {
        ...acc,
        access_token: "new-access",
        refresh_token: "new-refresh",
        expires_at: 2000,
        refresh_token_expires_in: 90,
      }
      assert.deepEqual(updated, want)
      assert.deepEqual(db.account(acc), want)
    })
  )

  it(
    "50 concurrent useVerificationToken calls on one token have exactly one winner",
    withAdapter(async ({ adapter }) => {
      const vt = {
        identifier: "race@example.com",
        token: hashToken("race"),
        expires: new Date(),
      }
      await adapter.createVerificationToken(vt)
      const results = await Promise.all(
        Array.from({ length: 50 }, () => adapter.useVerificationToken(vt))
      )
      const winners = results.filter((r) => r !== null)
      assert.equal(winners.length, 1)
      assert.deepEqual(winners[0], vt)
    })
  )

  it(
    "several verification tokens coexist for one identifier",
    withAdapter(async ({ adapter }) => {
      const expires = new Date(Date.now() + 60_000)
      const t1 = { identifier: "m@example.com", token: hashToken("1"), expires }
      const t2 = { identifier: "m@example.com", token: hashToken("2"), expires }
      await adapter.createVerificationToken(t1)
      await adapter.createVerificationToken(t2)
      assert.deepEqual(await adapter.useVerificationToken(t2), t2)
      assert.deepEqual(await adapter.useVerificationToken(t1), t1)
    })
  )
})

describe("authkv: lifecycle", () => {
  it("the adapter is a plain object of own enumerable functions", () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      assert.equal(Object.getPrototypeOf(adapter), Object.prototype)
      const keys = Object.keys(adapter)
      for (const m of [
        "createUser",
        "getUser",
        "getUserByEmail",
        "getUserByAccount",
        "updateUser",
        "deleteUser",
        "linkAccount",
        "unlinkAccount",
        "createSession",
        "getSessionAndUser",
        "updateSession",
        "deleteSession",
        "createVerificationToken",
        "useVerificationToken",
        "getAccount",
        "getAuthenticator",
        "createAuthenticator",
        "listAuthenticatorsByUserId",
        "updateAuthenticatorCounter",
        "updateAccount",
        "close",
      ]) {
        assert.ok(keys.includes(m), m)
        assert.equal(typeof adapter[m], "function", m)
      }
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("methods work when detached from the adapter object", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      const { createUser, getUser } = adapter
      const u = await createUser(newUser())
      assert.deepEqual(await getUser(u.id), u)
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("after close(), every call throws a clear error", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      const u = await adapter.createUser(newUser())
      adapter.close()
      adapter.close()
      for (const call of [
        () => adapter.getUser(u.id),
        () => adapter.createUser(newUser()),
        () => adapter.getSessionAndUser("x"),
        () => adapter.useVerificationToken({ identifier: "a", token: "b" }),
      ]) {
        await assert.rejects(call(), (err) => {
          assert.ok(err instanceof AuthKVError)
          assert.equal(err.code, "EINVALID")
          assert.match(err.message, /closed/)
          return true
        })
      }
      // The adapter opened the database, so close() closed it: it can be
      // opened again.
      const again = open(dir.path)
      assert.equal(again.closed, false)
      const reader = AuthKVAdapter({ db: again })
      assert.deepEqual(await reader.getUser(u.id), u)
      again.close()
      assert.equal(again.closed, true)
      await assert.rejects(reader.getUser(u.id), /closed/)
    } finally {
      dir.cleanup()
    }
  })

  it("a second open in this process shares the open database", () => {
    const dir = tempDir()
    try {
      const db = open(dir.path)
      const again = open(dir.path)
      assert.equal(nativeHandles.get(db), nativeHandles.get(again))
      assert.throws(() => open(dir.path, { sync: true }), {
        name: "AuthKVError",
        code: "EINVALID",
        message: /sync/,
      })
      db.close()
      assert.equal(db.closed, true)
      assert.equal(again.closed, false)
      assert.equal(nativeHandles.get(again).closed, false)
      again.close()
      assert.equal(nativeHandles.get(again).closed, true)
    } finally {
      dir.cleanup()
    }
  })

  it("options are validated", () => {
    assert.throws(() => AuthKVAdapter({}), { code: "EINVALID" })
    assert.throws(() => AuthKVAdapter({ path: "x", db: {} }), {
      code: "EINVALID",
    })
    assert.throws(() => AuthKVAdapter({ db: {} }), /open\(\)/)
    assert.throws(() => open(""), { code: "EINVALID" })
    assert.throws(
      () => open("/tmp/x", { libraryPath: "/nonexistent/libauthkv.so" }),
      {
        code: "ELIBRARY",
      }
    )
  })

  it(
    "purgeExpired removes expired sessions and tokens",
    withAdapter(async ({ adapter, database }) => {
      const u = await adapter.createUser(newUser())
      const past = new Date(Date.now() - 1000)
      const future = new Date(Date.now() + 60_000)
      await adapter.createSession({
        sessionToken: "old",
        userId: u.id,
        expires: past,
      })
      await adapter.createSession({
        sessionToken: "new",
        userId: u.id,
        expires: future,
      })
      await adapter.createVerificationToken({
        identifier: "a@b.c",
        token: "t",
        expires: past,
      })
      assert.deepEqual(await database.purgeExpired(), {
        sessions: 1,
        verificationTokens: 1,
      })
      assert.equal(await adapter.deleteSession("old"), null)
      assert.notEqual(await adapter.getSessionAndUser("new"), null)
    })
  )
})

describe("authkv: sync (each write fsynced, on koffi worker threads)", () => {
  it(
    "writes return pending promises and leave the event loop free",
    withAdapter({ sync: true }, async ({ adapter }) => {
      let ticked = false
      setImmediate(() => {
        ticked = true
      })
      const pending = adapter.createUser(newUser())
      const u = await pending
      assert.ok(ticked, "the event loop ran while the write was in flight")
      assert.deepEqual(await adapter.getUser(u.id), u)
    })
  )

  it(
    "50 concurrent useVerificationToken calls on worker threads have exactly one winner",
    withAdapter({ sync: true }, async ({ adapter }) => {
      for (let round = 0; round < 3; round++) {
        const vt = {
          identifier: "race@example.com",
          token: hashToken(`race-${round}`),
          expires: new Date(),
        }
        await adapter.createVerificationToken(vt)
        const results = await Promise.all(
          Array.from({ length: 50 }, () => adapter.useVerificationToken(vt))
        )
        assert.equal(results.filter((r) => r !== null).length, 1)
      }
    })
  )

  it(
    "concurrent createUser with one email: exactly one succeeds",
    withAdapter({ sync: true }, async ({ adapter }) => {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          adapter.createUser({ email: "same@example.com", name: `n${i}` })
        )
      )
      const ok = results.filter((r) => r.status === "fulfilled")
      assert.equal(ok.length, 1)
      for (const r of results.filter((r) => r.status === "rejected")) {
        assert.equal(r.reason.code, "EEXISTS")
      }
      assert.deepEqual(
        await adapter.getUserByEmail("same@example.com"),
        ok[0].value
      )
    })
  )

  it("close() waits for writes in flight, then calls throw", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path, sync: true })
      const writes = Array.from({ length: 10 }, (_, i) =>
        adapter.createUser(newUser({ name: `w${i}` }))
      )
      adapter.close()
      const users = await Promise.all(writes)
      assert.equal(users.length, 10)
      await assert.rejects(adapter.getUser(users[0].id), /closed/)
      const again = AuthKVAdapter({ path: dir.path })
      for (const u of users) assert.deepEqual(await again.getUser(u.id), u)
      again.close()
    } finally {
      dir.cleanup()
    }
  })
})
