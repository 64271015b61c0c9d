// Signs a user in with a real Auth.js (@auth/core's `Auth()` request
// handler) by email magic link, against a local authkv database, and prints
// what the app would see: the session and its user.
//
// Usage (from bindings/node, after `npm ci && npm run build`):
//   AUTHKV_LIBRARY=../../build/bindings/c/libauthkv.so \
//     node examples/signin.mjs [DATABASE_DIR] [EMAIL]
// Defaults: ./data/node-demo, ada@example.com. @auth/core is a dev
// dependency of this package; an app brings its own.

import { Auth } from "@auth/core"
import { AuthKVAdapter } from "authkv"
import { cookieJarClient, outboxEmailProvider } from "./auth-harness.mjs"

const path = process.argv[2] ?? "./data/node-demo"
const email = process.argv[3] ?? "ada@example.com"
const origin = "http://localhost:3000"

const adapter = AuthKVAdapter({
  path,
  userFields: { role: { default: "ADMIN" } },
})
const outbox = []
const config = {
  adapter,
  secret: process.env.AUTH_SECRET ?? "authkv-demo-secret-not-for-production",
  trustHost: true,
  basePath: "/auth",
  providers: [outboxEmailProvider(outbox)],
}

const { cookies, request } = cookieJarClient(Auth, () => config, origin)

const { csrfToken } = await (await request("GET", "/auth/csrf")).json()
await request("POST", "/auth/signin/email", { email, csrfToken })
console.log(`sendVerificationRequest -> ${outbox[0].identifier}`)
console.log(`  link: ${outbox[0].url.slice(0, 72)}...`)

const callback = await request("GET", outbox[0].url)
console.log(
  `GET link -> ${callback.status} ${callback.headers.get("location")}`
)
const token = cookies.get("authjs.session-token")

const session = await (await request("GET", "/auth/session")).json()
console.log("GET /auth/session ->", session)

const stored = await adapter.getSessionAndUser(token)
// The session token is the cookie's secret: show only its start.
stored.session.sessionToken = `${stored.session.sessionToken.slice(0, 8)}...`
console.log("adapter.getSessionAndUser ->", stored)
adapter.close()
console.log(`database: ${path}`)
