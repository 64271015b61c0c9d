// Auth.js v5 configuration, as its docs write it: NextAuth() at module
// scope, with the adapter created right there. Next.js evaluates this module
// in several bundles (the route handler, each server component), in
// `next build` workers and again on every hot reload; authkv opens the
// database on the adapter's first call and shares one open store per
// directory across all of them.

import NextAuth from "next-auth"
import type { EmailConfig } from "next-auth/providers/email"
import { AuthKVAdapter } from "authkv"
import { deliver, outboxEnabled } from "@/lib/outbox"

// An email provider is a plain object; this one writes to the development
// outbox instead of sending mail, so the app needs no SMTP package.
const email: EmailConfig = {
  id: "email",
  type: "email",
  name: "Email",
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

export const { handlers, auth, signIn, signOut } = NextAuth({
  adapter: AuthKVAdapter({
    path: process.env.AUTHKV_PATH ?? "./data/auth",
    userFields: { role: { default: "ADMIN" } },
  }),
  providers: [email],
  session: { strategy: "database" },
  trustHost: true,
  secret:
    process.env.AUTH_SECRET ??
    (process.env.NODE_ENV === "production"
      ? undefined
      : "authkv-example-development-secret"),
  callbacks: {
    // With database sessions `user` is the adapter's user: custom fields
    // are there, and go to the client only if copied here.
    session({ session, user }) {
      return {
        ...session,
        user: {
          ...session.user,
          id: user.id,
          role: (user as { role?: string }).role ?? null,
        },
      }
    },
  },
})
