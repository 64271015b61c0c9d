// Runs in a new app folder that installed the packed `authkv` tarball and
// nothing else of this repository (tests/install/npm_package_test.sh). It
// checks that the package loads the libauthkv.so it carries, then signs a
// user in with @auth/core's Auth() by email magic link, and reads the user
// back with its custom field's default.
//
// Usage: node signin.mjs DATABASE_DIR

import assert from "node:assert/strict"
import { existsSync, readFileSync, realpathSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Auth } from "@auth/core"
import { AuthKVAdapter, open } from "authkv"
// Copied beside this file from bindings/node/examples by the install test.
import { cookieJarClient, outboxEmailProvider } from "./auth-harness.mjs"

const path = process.argv[2]
assert.ok(path, "usage: node signin.mjs DATABASE_DIR")
assert.equal(
  process.env.AUTHKV_LIBRARY,
  undefined,
  "AUTHKV_LIBRARY must be unset"
)

// The installed package, and the library it carries.
const pkgDir = realpathSync(
  dirname(createRequire(import.meta.url).resolve("authkv/package.json"))
)
assert.equal(
  pkgDir,
  realpathSync(join(process.cwd(), "node_modules", "authkv"))
)
const carried = join(pkgDir, "native", "libauthkv.so")
assert.ok(existsSync(carried), `${carried} is missing from the package`)

// open() creates the database directory and its missing parents.
const db = open(path)
const maps = readFileSync("/proc/self/maps", "utf8")
assert.ok(maps.includes(carried), `the process did not load ${carried}`)
console.log(`loaded ${carried} (authkv ${db.version})`)

const adapter = AuthKVAdapter({
  db,
  userFields: { role: { default: "ADMIN" } },
})
const outbox = []
const config = {
  adapter,
  secret: "authkv-install-test-secret",
  trustHost: true,
  basePath: "/auth",
  logger: {
    // The second use of the link below fails on purpose: keep that quiet.
    error(error) {
      if (error.type !== "Verification") console.error(error)
    },
  },
  providers: [outboxEmailProvider(outbox)],
}

const { cookies, request } = cookieJarClient(
  Auth,
  () => config,
  "http://localhost:3000"
)

const email = "ada@example.com"
const { csrfToken } = await (await request("GET", "/auth/csrf")).json()
await request("POST", "/auth/signin/email", { email, csrfToken })
assert.equal(outbox.length, 1, "no verification email was sent")
assert.equal(outbox[0].identifier, email)

const callback = await request("GET", outbox[0].url)
assert.equal(callback.status, 302)
assert.equal(callback.headers.get("location"), "http://localhost:3000")
const token = cookies.get("authjs.session-token")
assert.ok(token, "no session cookie after following the link")

const session = await (await request("GET", "/auth/session")).json()
assert.equal(session.user.email, email)

const stored = await adapter.getSessionAndUser(token)
assert.equal(stored.user.email, email)
assert.equal(stored.user.role, "ADMIN")
assert.ok(stored.user.emailVerified instanceof Date)
console.log(
  `signed in ${stored.user.email} (role ${stored.user.role}), user ${stored.user.id}`
)

// The same link cannot be used twice.
assert.equal(
  (await request("GET", outbox[0].url)).headers.get("location"),
  "http://localhost:3000/auth/error?error=Verification"
)
db.close()
