// The sign-in flow of an example app, driven through a real browser:
// Debian's Chromium, headless, through playwright-core (no browser
// download). Signs in by email magic link through the dev outbox, sees the
// user and its role, signs out, checks that the used link stays used, and
// checks the authkv store after each step with authkv-dump, which reads a
// live database through a secondary view (the app holds it open).
//
// Both example apps (examples/web: next-auth v4, pages router;
// examples/web-v5: Auth.js v5, App Router) show the same page ids and use
// the built-in Auth.js pages, so one flow drives both. matrix.mjs runs it
// against each app in each way Next.js runs it.

import assert from "node:assert/strict"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"

/**
 * Runs the flow. `between` (optional) is awaited between the steps: the dev
 * runs edit the app's sources there, so that each step after it runs
 * against freshly reloaded modules. Returns the number of steps passed.
 */
export async function signInFlow({
  app,
  db,
  dumpTool,
  email = "ada@example.com",
  screenshot,
  between = async () => {},
  log = console.log,
}) {
  /** The records of one kind in the store, as authkv-dump lists them; none
   *  before the app's first adapter call creates the database. */
  function dump(kind) {
    if (!existsSync(db)) return []
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

  const sessionCookie = (cookies) =>
    cookies.some((c) => /(^|\.)session-token$/.test(c.name))

  let passed = 0
  async function step(name, fn) {
    if (passed > 0) await between(passed)
    const started = Date.now()
    await fn()
    passed++
    log(`ok ${passed} - ${name} (${Date.now() - started} ms)`)
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
  // Generous: next dev compiles each route on its first request.
  page.setDefaultTimeout(60000)

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
    assert.ok(sessionCookie(cookies))
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
      if (screenshot) await page.screenshot({ path: screenshot })
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
    assert.ok(!sessionCookie(cookies))
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
  return passed
}
