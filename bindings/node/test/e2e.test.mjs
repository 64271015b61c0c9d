// End to end with the real Auth.js: @auth/core's request handler,
// `Auth(request, config)`, with authkv as its adapter runs a whole email
// magic-link sign-in. The email provider captures the link instead of
// sending mail; the test follows it like a browser, keeping cookies.

import assert from "node:assert/strict"
import { createHash } from "node:crypto"
import { after, before, describe, it } from "node:test"
import { Auth } from "@auth/core"
import { AuthKVAdapter, open } from "authkv"
import { outboxEmailProvider } from "../examples/auth-harness.mjs"
import { rawReader, tempDir } from "./helpers.mjs"

const ORIGIN = "http://localhost:3000"
const SECRET = "authkv-e2e-test-secret-0123456789abcdef"
const BASE = `${ORIGIN}/auth`

/** The cookies a browser would keep, from Set-Cookie headers. */
class CookieJar {
  #cookies = new Map()

  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";")
      const eq = pair.indexOf("=")
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attributes.some((a) => {
        const [k, v] = a.trim().split("=")
        if (k.toLowerCase() === "max-age") return Number(v) <= 0
        if (k.toLowerCase() === "expires") return Date.parse(v) <= Date.now()
        return false
      })
      if (expired || value === "") this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  get(name) {
    return this.#cookies.get(name)
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ")
  }
}

describe("Auth.js end to end: email magic-link sign-in with authkv", () => {
  const dir = tempDir()
  const outbox = []
  const signOutEvents = []
  let database
  let adapter
  let config
  const jar = new CookieJar()

  async function request(method, path, body) {
    const url = path.startsWith("http") ? path : `${BASE}${path}`
    const headers = { cookie: jar.header() }
    let payload
    if (body) {
      headers["content-type"] = "application/x-www-form-urlencoded"
      payload = new URLSearchParams(body).toString()
    }
    const response = await Auth(
      new Request(url, { method, headers, body: payload }),
      config
    )
    jar.store(response)
    return response
  }

  async function csrfToken() {
    const response = await request("GET", "/csrf")
    assert.equal(response.status, 200)
    return (await response.json()).csrfToken
  }

  before(() => {
    database = open(dir.path)
    adapter = AuthKVAdapter({
      db: database,
      userFields: { role: { default: "ADMIN" } },
    })
    config = {
      adapter,
      secret: SECRET,
      trustHost: true,
      basePath: "/auth",
      session: { strategy: "database" },
      providers: [outboxEmailProvider(outbox)],
      callbacks: {
        session({ session, user }) {
          return {
            ...session,
            user: { ...session.user, id: user.id, role: user.role },
          }
        },
      },
      events: {
        signOut(message) {
          signOutEvents.push(message)
        },
      },
      logger: { error() {}, warn() {}, debug() {} },
    }
  })

  after(() => {
    adapter.close()
    database.close()
    dir.cleanup()
  })

  let sessionToken
  let hashedToken

  it("POST /signin/email stores a verification token and sends the link", async () => {
    const response = await request("POST", "/signin/email", {
      email: "Ada@Example.com",
      csrfToken: await csrfToken(),
      callbackUrl: `${ORIGIN}/dashboard`,
    })
    assert.equal(response.status, 302)
    assert.match(response.headers.get("location"), /\/auth\/verify-request/)
    assert.equal(outbox.length, 1)
    assert.equal(
      outbox[0].identifier,
      "ada@example.com",
      "Auth.js normalizes the email"
    )
    assert.match(
      outbox[0].url,
      /^http:\/\/localhost:3000\/auth\/callback\/email\?/
    )
    // The store holds the token as Auth.js hashes it: sha256(token + secret).
    const raw = new URL(outbox[0].url).searchParams.get("token")
    hashedToken = createHash("sha256").update(`${raw}${SECRET}`).digest("hex")
    const stored = await rawReader(database).verificationToken({
      identifier: "ada@example.com",
      token: hashedToken,
    })
    assert.notEqual(stored, null)
    assert.ok(stored.expires.getTime() > Date.now())
  })

  it("following the link signs the user in with a database session", async () => {
    const response = await request("GET", outbox[0].url)
    assert.equal(response.status, 302)
    assert.equal(response.headers.get("location"), `${ORIGIN}/dashboard`)
    sessionToken = jar.get("authjs.session-token")
    assert.ok(sessionToken, "the session cookie is set")

    const stored = await adapter.getSessionAndUser(sessionToken)
    assert.notEqual(stored, null)
    assert.equal(stored.user.email, "ada@example.com")
    assert.equal(
      stored.user.role,
      "ADMIN",
      "the declared user field has its default"
    )
    assert.ok(stored.user.emailVerified instanceof Date)
    assert.ok(stored.session.expires.getTime() > Date.now())
    assert.deepEqual(rawReader(database).session(sessionToken), stored.session)
    const used = { identifier: "ada@example.com", token: hashedToken }
    assert.equal(
      await rawReader(database).verificationToken(used),
      null,
      "the token was used"
    )
  })

  it("the link works only once", async () => {
    const response = await request("GET", outbox[0].url)
    assert.equal(response.status, 302)
    assert.match(response.headers.get("location"), /error=Verification/)
    // The failed attempt must not have touched the signed-in session.
    assert.equal(jar.get("authjs.session-token"), sessionToken)
  })

  it("GET /session returns the user", async () => {
    const response = await request("GET", "/session")
    assert.equal(response.status, 200)
    const body = await response.json()
    assert.equal(body.user.email, "ada@example.com")
    assert.equal(body.user.role, "ADMIN")
    assert.ok(Date.parse(body.expires) > Date.now())
    const user = await adapter.getUserByEmail("ada@example.com")
    assert.equal(body.user.id, user.id)
  })

  it("POST /signout deletes the session from the store", async () => {
    const response = await request("POST", "/signout", {
      csrfToken: await csrfToken(),
      callbackUrl: ORIGIN,
    })
    assert.equal(response.status, 302)
    assert.equal(
      jar.get("authjs.session-token"),
      undefined,
      "the cookie is cleared"
    )
    assert.equal(rawReader(database).session(sessionToken), null)
    assert.equal(await adapter.getSessionAndUser(sessionToken), null)
    assert.equal(signOutEvents.length, 1)
    assert.equal(signOutEvents[0].session.sessionToken, sessionToken)

    const after = await (await request("GET", "/session")).json()
    assert.equal(after, null)
  })

  it("signing in again finds the same user and verifies the email again", async () => {
    const first = await adapter.getUserByEmail("ada@example.com")
    await request("POST", "/signin/email", {
      email: "ada@example.com",
      csrfToken: await csrfToken(),
      callbackUrl: `${ORIGIN}/dashboard`,
    })
    assert.equal(outbox.length, 2)
    const response = await request("GET", outbox[1].url)
    assert.equal(response.status, 302)
    const token = jar.get("authjs.session-token")
    const stored = await adapter.getSessionAndUser(token)
    assert.equal(stored.user.id, first.id)
    assert.ok(
      stored.user.emailVerified.getTime() >= first.emailVerified.getTime()
    )
  })
})
