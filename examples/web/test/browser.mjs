// Drives the example app through a real browser: Debian's Chromium, headless,
// through playwright-core (no browser download). Signs in by email magic
// link through the dev outbox, sees the user and its role, signs out, and
// checks the authkv store after each step with authkv-dump, which reads a
// live database through a secondary view (the app holds it open).
//
// scripts/browser-test starts the app and runs this. Environment:
//   APP_URL        the running app, e.g. http://127.0.0.1:3917
//   AUTHKV_PATH    the app's database directory
//   AUTHKV_DUMP    the authkv-dump binary
//   SCREENSHOT     where to save the signed-in page (PNG); optional
//   CHROMIUM       the browser (default /usr/bin/chromium)

import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"

const app = process.env.APP_URL
const db = process.env.AUTHKV_PATH
const dumpTool = process.env.AUTHKV_DUMP
for (const [name, value] of Object.entries({
  APP_URL: app,
  AUTHKV_PATH: db,
  AUTHKV_DUMP: dumpTool,
})) {
  assert.ok(value, `${name} is not set`)
}
const email = "ada@example.com"

/** The records of one kind in the store, as authkv-dump lists them. */
function dump(kind) {
  const out = execFileSync(dumpTool, ["list", db, kind, "--json"], {
    encoding: "utf8",
  })
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).value)
}

/** Waits (briefly) until the store shows what `check` expects: the dump
 *  tool's secondary view can trail the app's last write by a moment. */
async function expectStore(what, check) {
  let last
  for (let i = 0; i < 30; i++) {
    const state = {
      users: dump("users"),
      sessions: dump("sessions"),
      tokens: dump("tokens"),
    }
    try {
      check(state)
      return state
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`store: ${what}: ${last.message}`)
}

let passed = 0
async function step(name, fn) {
  const started = Date.now()
  await fn()
  passed++
  console.log(`ok ${passed} - ${name} (${Date.now() - started} ms)`)
}

const profile = mkdtempSync(join(tmpdir(), "authkv-chromium-"))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 760, height: 420 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
})
const page = context.pages()[0] ?? (await context.newPage())
page.setDefaultTimeout(15000)

try {
  await step(
    "the app shows a signed-out visitor; the store is empty",
    async () => {
      await page.goto(app)
      assert.equal((await page.textContent("#status")).trim(), "Not signed in.")
      await expectStore("empty", ({ users, sessions, tokens }) => {
        assert.equal(users.length, 0)
        assert.equal(sessions.length, 0)
        assert.equal(tokens.length, 0)
      })
    }
  )

  await step("requesting a link stores one verification token", async () => {
    await page.click("text=Sign in")
    await page.waitForURL(/\/api\/auth\/signin/)
    await page.fill('input[name="email"]', email)
    await page.click("button#submitButton")
    await page.waitForURL(/\/api\/auth\/verify-request/)
    assert.match(await page.textContent("body"), /Check your email/)
    await expectStore("one token", ({ users, tokens }) => {
      assert.equal(users.length, 0)
      assert.equal(tokens.length, 1)
      assert.equal(tokens[0].identifier, email)
    })
  })

  await step("the link in the outbox signs the user in", async () => {
    await page.goto(new URL("/outbox", app).href)
    await page.click(`li[data-to="${email}"] a`)
    await page.waitForSelector("#user-email")
    assert.equal((await page.textContent("#user-email")).trim(), email)
    assert.equal((await page.textContent("#user-role")).trim(), "ADMIN")
    const cookies = await context.cookies(app)
    assert.ok(cookies.some((c) => c.name === "next-auth.session-token"))
  })

  await step(
    "the store holds the user (role ADMIN), one session, no token",
    async () => {
      const id = (await page.textContent("#user-id")).trim()
      await expectStore("signed in", ({ users, sessions, tokens }) => {
        assert.equal(users.length, 1)
        assert.equal(users[0].id, id)
        assert.equal(users[0].email, email)
        assert.equal(
          typeof users[0].email_verified_ms,
          "number",
          "email not verified"
        )
        assert.equal(JSON.parse(users[0].extra_json).role, "ADMIN")
        assert.equal(sessions.length, 1)
        assert.equal(sessions[0].user_id, id)
        assert.equal(tokens.length, 0, "the used token is still stored")
      })
      if (process.env.SCREENSHOT)
        await page.screenshot({ path: process.env.SCREENSHOT })
    }
  )

  await step("signing out deletes the session and keeps the user", async () => {
    await page.click("text=Sign out")
    await page.waitForURL(/\/api\/auth\/signout/)
    await page.click("button#submitButton")
    await page.waitForSelector("#status")
    await page.waitForFunction(
      () =>
        document.querySelector("#status")?.textContent?.trim() ===
        "Not signed in."
    )
    const cookies = await context.cookies(app)
    assert.ok(!cookies.some((c) => c.name === "next-auth.session-token"))
    await expectStore("signed out", ({ users, sessions }) => {
      assert.equal(users.length, 1)
      assert.equal(sessions.length, 0)
    })
  })

  await step("the used link does not sign in again", async () => {
    await page.goto(new URL("/outbox", app).href)
    await page.click(`li[data-to="${email}"] a`)
    await page.waitForURL(/error=Verification/)
    await expectStore("still signed out", ({ sessions }) => {
      assert.equal(sessions.length, 0)
    })
  })
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
console.log(`browser: ${passed} passed, 0 failed`)
