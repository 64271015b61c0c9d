// next-auth v4 configuration: database sessions on authkv, email magic-link
// sign-in, and a custom user field (`role`, default "ADMIN").
//
// Two Next.js details:
// - The database is opened once per process and kept on globalThis. A
//   directory can be open only once per process (a second open throws
//   EBUSY), while Next.js loads this module once per route bundle, and again
//   on every hot reload in `next dev`.
// - It is opened on first use, not at import, so `next build` (which loads
//   the modules) never opens it.

import { resolve } from "node:path"
import type { AuthOptions } from "next-auth"
import type { EmailConfig } from "next-auth/providers/email"
import * as authkv from "authkv"
import type {
  AuthKVAdapterMethods,
  AuthKVAdapterOptions,
  AuthKVDatabase,
  AuthKVOpenOptions,
} from "authkv"
import { deliver, outboxEnabled } from "./outbox"

// authkv 0.1.0's ES-module typings (dist/index.d.mts) lose the types of its
// value exports under `"moduleResolution": "bundler"`, which Next.js 16
// forces in tsconfig.json: they come out as `any`. Type them from the type
// exports, which are intact, so the adapter is still checked against
// next-auth's Adapter. (Harmless once the typings are fixed.)
const open = authkv.open as (
  path: string,
  options?: AuthKVOpenOptions
) => AuthKVDatabase
const AuthKVAdapter = authkv.AuthKVAdapter as (
  options: AuthKVAdapterOptions
) => AuthKVAdapterMethods

/** Where the data lives: one authkv directory (RocksDB files). */
// (The comment keeps Next's output tracing from copying the whole project.)
export const databasePath = resolve(
  /*turbopackIgnore: true*/ process.env.AUTHKV_PATH ?? "./data/auth"
)

const store = globalThis as typeof globalThis & { authkvDb?: AuthKVDatabase }

function database(): AuthKVDatabase {
  let db = store.authkvDb
  if (!db || db.closed) {
    // Closed when the process exits (or call .close() yourself).
    db = open(databasePath)
    store.authkvDb = db
  }
  return db
}

// next-auth/providers/email imports nodemailer; an email provider is a
// plain object, so this app declares its own and needs no SMTP package.
const email: EmailConfig = {
  id: "email",
  type: "email",
  name: "Email",
  server: {},
  from: "no-reply@example.com",
  maxAge: 24 * 60 * 60,
  options: {},
  async sendVerificationRequest({ identifier, url }) {
    if (!outboxEnabled()) {
      throw new Error(
        "no email sender configured: set AUTHKV_DEMO_OUTBOX=1 (development) or send mail here"
      )
    }
    await deliver({
      to: identifier,
      subject: "Sign in to the authkv example",
      url,
      sentAt: new Date().toISOString(),
    })
  },
}

let options: AuthOptions | undefined

export function authOptions(): AuthOptions {
  options ??= {
    adapter: AuthKVAdapter({
      db: database(),
      userFields: { role: { default: "ADMIN" } },
    }),
    providers: [email],
    session: { strategy: "database" },
    secret:
      process.env.NEXTAUTH_SECRET ??
      (process.env.NODE_ENV === "production"
        ? undefined
        : "authkv-example-development-secret"),
    callbacks: {
      // With database sessions `user` is the adapter's user: custom fields
      // are there, and go to the client only if copied here.
      session({ session, user }) {
        session.user = {
          ...session.user,
          id: user.id,
          role: user.role ?? null,
        }
        return session
      },
    },
  }
  return options
}
