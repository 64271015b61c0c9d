// next-auth v4 configuration: database sessions on authkv, email magic-link
// sign-in, and a custom user field (`role`, default "ADMIN").
//
// The adapter is created at module scope, the way next-auth's docs write
// it. Next.js evaluates this module in several bundles (the API route, each
// page), in `next build` workers and again on every hot reload; authkv
// opens the database on the adapter's first call and shares one open store
// per directory across all of them.

import type { AuthOptions } from "next-auth"
import type { EmailConfig } from "next-auth/providers/email"
import { AuthKVAdapter } from "authkv"
import { deliver, outboxEnabled } from "./outbox"

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

export const authOptions: AuthOptions = {
  adapter: AuthKVAdapter({
    path: process.env.AUTHKV_PATH ?? "./data/auth",
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
        role: (user.role as string | undefined) ?? null,
      }
      return session
    },
  },
}
