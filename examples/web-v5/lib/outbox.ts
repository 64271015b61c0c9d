// The development "mail server" (the same file as examples/web/lib/outbox.ts:
// each example app stands alone, to be copied as a whole): sign-in emails are appended to a file and
// shown at /outbox instead of being sent. There is no SMTP anywhere.
//
// On when NODE_ENV is not "production" (next dev), or when
// AUTHKV_DEMO_OUTBOX=1 (the browser test runs a production build with it).
// A real deployment replaces sendVerificationRequest in lib/auth.ts with a
// mail provider and leaves the outbox off.

import { appendFile, mkdir, readFile } from "node:fs/promises"
import { dirname, resolve } from "node:path"

export interface OutboxMessage {
  to: string
  subject: string
  url: string
  sentAt: string
}

// (The comments keep Next's output tracing from copying the whole project.)
const file = resolve(
  /*turbopackIgnore: true*/ process.env.AUTHKV_OUTBOX ?? "./data/outbox.ndjson"
)

export function outboxEnabled(): boolean {
  return (
    process.env.NODE_ENV !== "production" ||
    process.env.AUTHKV_DEMO_OUTBOX === "1"
  )
}

export async function deliver(message: OutboxMessage): Promise<void> {
  await mkdir(/*turbopackIgnore: true*/ dirname(file), { recursive: true })
  await appendFile(
    /*turbopackIgnore: true*/ file,
    JSON.stringify(message) + "\n"
  )
}

/** Messages, newest first. */
export async function readOutbox(): Promise<OutboxMessage[]> {
  let text: string
  try {
    text = await readFile(/*turbopackIgnore: true*/ file, "utf8")
  } catch {
    return []
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage)
    .reverse()
}
