// The adapter inside a real app's lifecycle: many spellings of one path,
// the module evaluated twice (hot reload, two bundles), lazy opening (next
// build), worker threads that are terminated, floods of synced writes, and
// another process holding the database. Each test fails if the property it
// names breaks: they check the data (authkv-dump verify, duplicate emails)
// or whether another process can take the database, not only return codes.

import assert from "node:assert/strict"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { AuthKVAdapter, AuthKVError, open } from "authkv"
import { tempDir } from "./helpers.mjs"

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(import.meta.url)
const dumpTool =
  process.env.AUTHKV_DUMP ??
  join(packageDir, "..", "..", "build", "tools", "authkv-dump")

/** A fresh evaluation of the package's CommonJS entry, as a second bundle has. */
function freshCopyOfModule() {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(join(packageDir, "dist"))) delete require.cache[key]
  }
  return require(join(packageDir, "dist", "index.js"))
}

/** Runs `authkv-dump verify` and returns its exit code and output. */
function verify(path) {
  try {
    const out = execFileSync(dumpTool, ["verify", path], { encoding: "utf8" })
    return { code: 0, out }
  } catch (err) {
    return { code: err.status, out: `${err.stdout}${err.stderr}` }
  }
}

/**
 * Whether a separate process can open `path` right now: true only if no
 * handle in this process keeps the store (and RocksDB's LOCK) open.
 */
function anotherProcessCanOpen(path) {
  const script = `
    const { open } = require(${JSON.stringify(join(packageDir, "dist", "index.js"))})
    try { open(process.argv[1]).close(); process.stdout.write("open") }
    catch (e) { process.stdout.write(e.code) }`
  const out = execFileSync(process.execPath, ["-e", script, path], {
    encoding: "utf8",
  })
  return out === "open"
}

/** A child process that holds `path` open until killed. */
async function holdInAnotherProcess(path) {
  const script = `
    const { open } = require(${JSON.stringify(join(packageDir, "dist", "index.js"))})
    open(process.argv[1]); process.stdout.write("held\\n"); setInterval(() => {}, 1000)`
  const child = spawn(process.execPath, ["-e", script, path], {
    stdio: ["ignore", "pipe", "inherit"],
  })
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve)
    child.once("exit", (code) => reject(new Error(`holder exited ${code}`)))
  })
  return child
}

describe("one database per directory per process", () => {
  it("four spellings and two copies of the module share one store", async () => {
    const dir = tempDir()
    try {
      const abs = dir.path
      mkdirSync(dirname(abs), { recursive: true })
      const link = join(dirname(abs), "link")
      symlinkSync(dirname(abs), link)
      const spellings = [
        abs,
        relative(process.cwd(), abs),
        `${abs}/`,
        join(link, "db"),
      ]
      const second = freshCopyOfModule()
      assert.notEqual(second.AuthKVAdapter, AuthKVAdapter, "a real second copy")
      const adapters = [
        ...spellings.map((path) => AuthKVAdapter({ path })),
        ...spellings.map((path) => second.AuthKVAdapter({ path })),
      ]
      await adapters[0].createUser({ email: "ann@example.com" })
      for (const [i, adapter] of adapters.entries()) {
        await assert.rejects(
          adapter.createUser({ email: "ANN@example.com" }),
          (e) => e.code === "EEXISTS" && !/ann@/i.test(e.message),
          `adapter ${i} must see the first user and say so without the email`
        )
        assert.equal(
          (await adapter.getUserByEmail("ann@example.com")).email,
          "ann@example.com"
        )
      }
      // Many writes through every handle: two RocksDB writers on one
      // directory would corrupt it within a few hundred.
      await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          adapters[i % adapters.length].createUser({ email: `u${i}@x.io` })
        )
      )
      for (const adapter of adapters) adapter.close()
      assert.ok(anotherProcessCanOpen(abs), "the last close released it")
      const checked = verify(abs)
      assert.equal(checked.code, 0, checked.out)
    } finally {
      dir.cleanup()
    }
  })

  it("close() drops one share; the last one closes the database", async () => {
    const dir = tempDir()
    try {
      const a = AuthKVAdapter({ path: dir.path })
      const db = open(dir.path)
      await a.createUser({ email: "a@x.io" })
      a.close()
      assert.equal(db.closed, false)
      assert.equal(db.cacheStats().capacityBytes > 0, true)
      assert.equal(anotherProcessCanOpen(dir.path), false)
      db.close()
      assert.equal(anotherProcessCanOpen(dir.path), true)
      await assert.rejects(a.getUser("x"), { code: "EINVALID" })
      assert.throws(() => db.cacheStats(), { code: "EINVALID" })
    } finally {
      dir.cleanup()
    }
  })

  it("an adapter opens nothing until its first call", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      assert.equal(existsSync(dir.path), false, "constructing created nothing")
      assert.equal(await adapter.getUser("nobody"), null)
      assert.equal(existsSync(dir.path), true)
      adapter.close()
      const never = AuthKVAdapter({ path: join(dir.path, "never") })
      never.close()
      assert.equal(existsSync(join(dir.path, "never")), false)
    } finally {
      dir.cleanup()
    }
  })
})

describe("under load and across threads", () => {
  it("1000 concurrent writes with sync all succeed, and close releases", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path, sync: true })
      const users = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          adapter.createUser({ email: `u${i}@x.io` })
        )
      )
      assert.equal(new Set(users.map((u) => u.id)).size, 1000)
      // Close while another flood is in flight: the handle goes when the
      // last call has finished, never before and never not at all.
      const pending = Array.from({ length: 300 }, (_, i) =>
        adapter.updateUser({ id: users[i].id, name: `n${i}` })
      )
      adapter.close()
      const settled = await Promise.allSettled(pending)
      assert.ok(settled.every((s) => s.status === "fulfilled"))
      assert.ok(anotherProcessCanOpen(dir.path))
    } finally {
      dir.cleanup()
    }
  })

  it("a terminated worker thread releases its handles", async () => {
    const dir = tempDir()
    try {
      const worker = new Worker(
        `
        const { workerData, parentPort } = require("node:worker_threads")
        const { AuthKVAdapter } = require(workerData.entry)
        const adapter = AuthKVAdapter({ path: workerData.path, sync: true })
        adapter.createUser({ email: "w@x.io" }).then(() => parentPort.postMessage("ready"))
        setInterval(() => {}, 1000)
        `,
        {
          eval: true,
          workerData: {
            entry: join(packageDir, "dist", "index.js"),
            path: dir.path,
          },
        }
      )
      await new Promise((resolve) => worker.once("message", resolve))
      assert.equal(anotherProcessCanOpen(dir.path), false, "the worker holds it")
      await worker.terminate()
      assert.equal(anotherProcessCanOpen(dir.path), true)
      const db = open(dir.path)
      const adapter = AuthKVAdapter({ db })
      assert.equal((await adapter.getUserByEmail("w@x.io")).email, "w@x.io")
      db.close()
    } finally {
      dir.cleanup()
    }
  })

  it("a purge runs off the event loop and commits in batches", async () => {
    const dir = tempDir()
    try {
      const db = open(dir.path, { sync: true })
      const adapter = AuthKVAdapter({ db })
      const user = await adapter.createUser({ email: "p@x.io" })
      const past = new Date(Date.now() - 60_000)
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) =>
          adapter.createSession({
            sessionToken: `s${i}`,
            userId: user.id,
            expires: past,
          })
        )
      )
      let turns = 0
      const ticker = setInterval(() => turns++, 0)
      const purged = db.purgeExpired()
      assert.ok(purged instanceof Promise)
      assert.deepEqual(await purged, { sessions: 2000, verificationTokens: 0 })
      clearInterval(ticker)
      assert.ok(turns > 0, "the event loop ran while the purge did")
      db.close()
    } finally {
      dir.cleanup()
    }
  })
})

describe("errors a person can act on", () => {
  it("another process holding the database is EBUSY, in one sentence", async () => {
    const dir = tempDir()
    const holder = await holdInAnotherProcess(dir.path)
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      await assert.rejects(adapter.getUser("x"), (e) => {
        assert.ok(e instanceof AuthKVError)
        assert.equal(e.code, "EBUSY")
        assert.match(e.message, /open in another process \(pid \d+\)/)
        assert.doesNotMatch(e.message, /IO error|LOCK/)
        assert.match(e.cause.detail, /LOCK/)
        // Auth.js logs { err, ...error.cause }: one readable entry.
        assert.deepEqual(Object.keys({ ...e.cause }), ["detail"])
        return true
      })
      holder.kill("SIGKILL")
      await new Promise((resolve) => holder.once("exit", resolve))
      // The failed open is not remembered: the next call opens.
      assert.equal(await adapter.getUser("x"), null)
      adapter.close()
    } finally {
      holder.kill("SIGKILL")
      dir.cleanup()
    }
  })

  it("options that cannot share the open store are refused, naming the option", async () => {
    const dir = tempDir()
    try {
      const db = open(dir.path)
      for (const [options, word] of [
        [{ sync: true }, /sync/],
        [{ emailMatch: "exact" }, /email_match/],
        [{ tokenKeys: [{ id: 1, key: new Uint8Array(32) }] }, /token_keys/],
      ]) {
        const adapter = AuthKVAdapter({ path: dir.path, ...options })
        await assert.rejects(adapter.getUser("x"), { code: "EINVALID", message: word })
        adapter.close()
      }
      db.close()
    } finally {
      dir.cleanup()
    }
  })
})

describe("shapes", () => {
  it("defaults are copied per user", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({
        path: dir.path,
        userFields: { tags: { default: ["new"] }, prefs: { default: { a: 1 } } },
      })
      const first = await adapter.createUser({ email: "a@x.io" })
      first.tags.push("mutated")
      first.prefs.a = 2
      const second = await adapter.createUser({ email: "b@x.io" })
      assert.deepEqual(second.tags, ["new"])
      assert.deepEqual(second.prefs, { a: 1 })
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("wrongly typed Auth.js fields are converted or refused, never dropped", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      const iso = "2026-01-02T03:04:05.678Z"
      const u = await adapter.createUser({ email: "a@x.io", emailVerified: iso })
      assert.deepEqual(u.emailVerified, new Date(iso))
      assert.deepEqual((await adapter.getUser(u.id)).emailVerified, new Date(iso))
      await assert.rejects(
        adapter.createUser({ email: "b@x.io", emailVerified: "yesterday" }),
        { code: "EINVALID" }
      )
      await assert.rejects(adapter.createUser({ email: "c@x.io", name: 42 }), {
        code: "EINVALID",
        message: /user\.name/,
      })
      await assert.rejects(adapter.createUser({ email: 7 }), { code: "EINVALID" })
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("a malformed session cookie finds no session instead of throwing", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      for (const cookie of ["", "x".repeat(5000), "a\0b", undefined, 42]) {
        assert.equal(await adapter.getSessionAndUser(cookie), null)
        assert.equal(await adapter.deleteSession(cookie), null)
        assert.equal(
          await adapter.updateSession({ sessionToken: cookie, expires: new Date() }),
          null
        )
      }
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("the module can be evaluated again without koffi type errors", async () => {
    const dir = tempDir()
    try {
      const again = freshCopyOfModule()
      const a = again.AuthKVAdapter({ path: dir.path })
      await a.createUser({ email: "twice@x.io" })
      const b = freshCopyOfModule().AuthKVAdapter({ path: dir.path })
      assert.equal((await b.getUserByEmail("twice@x.io")).email, "twice@x.io")
      a.close()
      b.close()
    } finally {
      dir.cleanup()
    }
  })
})

// The package README's examples, line for line (tests/docs checks that the
// lines match), run in a scratch working directory because they use
// "./data/auth".
describe("the README's examples", () => {
  async function inScratchDirectory(fn) {
    const dir = tempDir()
    const previous = process.cwd()
    mkdirSync(dir.path, { recursive: true })
    process.chdir(dir.path)
    try {
      await fn()
    } finally {
      process.chdir(previous)
      dir.cleanup()
    }
  }

  it("custom user fields with defaults", () =>
    inScratchDirectory(async () => {
      const adapter =
      AuthKVAdapter({
        path: "./data/auth",
        userFields: {
          role: { default: "ADMIN" }, // stored by createUser unless given
          plan: { default: () => "free" }, // a function is called each time
        },
      })
      const user = await adapter.createUser({ email: "ada@example.com" })
      assert.equal(user.role, "ADMIN")
      assert.equal(user.plan, "free")
      adapter.close()
    }))

  it("sharing a database, closing it", () =>
    inScratchDirectory(async () => {
      const db = open("./data/auth", { sync: true })
      const adapter = AuthKVAdapter({ db })
      await adapter.createUser({ email: "ada@example.com" })
      // delete expired sessions and tokens, e.g. from a cron: on a worker thread
      const { sessions, verificationTokens } = await db.purgeExpired()
      db.close()
      assert.deepEqual([sessions, verificationTokens], [0, 0])
      assert.equal(db.closed, true)
    }))

  it("refreshing OAuth tokens with updateAccount", () =>
    inScratchDirectory(async () => {
      const adapter = AuthKVAdapter({ path: "./data/auth" })
      const config = {
        adapter,
        events: {
          async signIn({ account }) {
            if (account?.type === "oauth" || account?.type === "oidc") {
              await adapter.updateAccount(account)
            }
          },
        },
      }
      const user = await adapter.createUser({ email: "ada@example.com" })
      const linked = { userId: user.id, type: "oauth", provider: "github", providerAccountId: "1" }
      await adapter.linkAccount({ ...linked, refresh_token: "old" })
      await config.events.signIn({ account: { ...linked, refresh_token: "new" } })
      assert.equal((await adapter.getAccount("1", "github")).refresh_token, "new")
      adapter.close()
    }))
})
