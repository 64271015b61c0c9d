// Runs the browser sign-in flow (signin.mjs) against each example app in
// each way Next.js runs an app, the way a user's app meets them:
//
//   dev-turbopack  next dev (Turbopack), editing the auth module and the
//                  home page between sign-in steps (hot reload re-evaluates
//                  them while the database is open)
//   dev-webpack    the same with next dev --webpack
//   start          next build while another process holds the database
//                  (the build must neither need nor touch it), then
//                  next start
//   standalone     output: "standalone", then node .next/standalone/server.js
//                  with nothing but what the output carries (the native
//                  library included)
//
// authkv is put into each app's node_modules the way the npm package lays
// it out (native/libauthkv.so beside dist/), and no AUTHKV_LIBRARY is set,
// so the apps load the library exactly as an installed package does.
//
//   node matrix.mjs [--app web|web-v5]... [--mode NAME]... [--screenshot PATH]
//
// Environment: AUTHKV_LIBRARY (the built libauthkv.so to install into the
// apps), AUTHKV_DUMP (authkv-dump), CHROMIUM (default /usr/bin/chromium).
// Prints one line per step and a closing "N passed, N failed".

import assert from "node:assert/strict"
import { execFileSync, spawn } from "node:child_process"
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { signInFlow } from "./signin.mjs"

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "..")

const APPS = {
  web: {
    dir: join(examples, "web"),
    authModule: "lib/auth.ts",
    page: "pages/index.tsx",
    env: (url, secret) => ({ NEXTAUTH_URL: url, NEXTAUTH_SECRET: secret }),
  },
  "web-v5": {
    dir: join(examples, "web-v5"),
    authModule: "auth.ts",
    page: "app/page.tsx",
    env: (url, secret) => ({ AUTH_URL: url, AUTH_SECRET: secret }),
  },
}
const MODES = ["dev-turbopack", "dev-webpack", "start", "standalone"]

const { values: args } = parseArgs({
  options: {
    app: { type: "string", multiple: true },
    mode: { type: "string", multiple: true },
    screenshot: { type: "string" },
  },
})
const apps = args.app ?? Object.keys(APPS)
const modes = args.mode ?? MODES
for (const a of apps) assert.ok(APPS[a], `unknown app ${a}`)
for (const m of modes) assert.ok(MODES.includes(m), `unknown mode ${m}`)

const library = process.env.AUTHKV_LIBRARY
const dumpTool = process.env.AUTHKV_DUMP
assert.ok(library && existsSync(library), "AUTHKV_LIBRARY must name libauthkv.so")
assert.ok(dumpTool && existsSync(dumpTool), "AUTHKV_DUMP must name authkv-dump")

let passed = 0
let failed = 0

/** Lays the native library out in the app's installed authkv package, as
 *  the npm tarball does (bindings/node/scripts/copy-native.mjs): bundled
 *  with the libraries it links (bindings/node/platform/bundle-native.sh). */
function installNative(appDir) {
  const native = join(appDir, "node_modules", "authkv", "native")
  execFileSync("bash", [
    join(examples, "..", "bindings", "node", "platform", "bundle-native.sh"),
    library,
    join(dirname(library), "authkv_env_cleanup.node"),
    native,
  ], { stdio: ["ignore", "ignore", "inherit"] })
}

function freePort() {
  return new Promise((resolvePort) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolvePort(port))
    })
  })
}

/** The environment of an app process: no AUTHKV_LIBRARY, a fresh database. */
function appEnv(app, work, url, extra = {}) {
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra }
  delete env.AUTHKV_LIBRARY
  Object.assign(env, {
    AUTHKV_PATH: join(work, "data", "auth"),
    AUTHKV_OUTBOX: join(work, "data", "outbox.ndjson"),
    AUTHKV_DEMO_OUTBOX: "1",
    ...app.env(url, "browser-test-secret-" + Math.random().toString(36)),
  })
  return env
}

/** Starts a server process and waits until `url` answers. */
async function startServer(command, argv, options, url) {
  const log = join(options.work, "server.log")
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  child.stdout.on("data", (d) => appendFileSync(log, d))
  child.stderr.on("data", (d) => appendFileSync(log, d))
  const started = Date.now()
  while (Date.now() - started < 120_000) {
    if (child.exitCode !== null) break
    try {
      const res = await fetch(url, { redirect: "manual" })
      if (res.status < 500) return { child, log }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  stopServer({ child })
  throw new Error(`the app did not start on ${url}:\n${readLog(log)}`)
}

function stopServer(server) {
  if (!server?.child || server.child.exitCode !== null) return
  try {
    process.kill(-server.child.pid, "SIGTERM")
  } catch {
    // Gone already.
  }
}

function readLog(path) {
  return existsSync(path) ? readFileSync(path, "utf8") : "(no log)"
}

function nextBin(appDir) {
  return join(appDir, "node_modules", ".bin", "next")
}

function build(app, env, work, { databaseHeld }) {
  try {
    execFileSync(nextBin(app.dir), ["build"], {
      cwd: app.dir,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
  } catch (err) {
    throw new Error(`next build failed:\n${err.stdout}\n${err.stderr}`)
  }
  // next build evaluates the auth module but must not open (and so
  // create) the database: the adapter opens on its first call.
  if (!databaseHeld) {
    assert.ok(!existsSync(join(work, "data", "auth")), "next build created the database")
  }
}

/** A process that holds the database open, as a running app would. */
async function holdDatabase(app, path) {
  const entry = join(app.dir, "node_modules", "authkv", "dist", "index.js")
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(entry)}).open(process.argv[1]);` +
        `process.stdout.write("held\\n"); setInterval(() => {}, 1000)`,
      path,
    ],
    { stdio: ["ignore", "pipe", "inherit"] }
  )
  await new Promise((ok, fail) => {
    child.stdout.once("data", ok)
    child.once("exit", (code) => fail(new Error(`holder exited ${code}`)))
  })
  return child
}

/** Edits a source file the way a developer saves one, and returns an undo. */
function touchSource(path, n) {
  const original = readFileSync(path, "utf8")
  writeFileSync(path, `${original}\n// edited by the browser test (${n})\n`)
  return () => writeFileSync(path, original)
}

async function runMode(appName, mode) {
  const app = APPS[appName]
  const work = mkdtempSync(join(tmpdir(), `authkv-${appName}-${mode}-`))
  const port = await freePort()
  // localhost, not 127.0.0.1: Next.js rewrites a loopback host to
  // "localhost" in the URLs Auth.js v5 builds (its form actions), and the
  // browser must send its cookies there.
  const url = `http://localhost:${port}`
  const env = appEnv(app, work, url)
  const undo = []
  let server
  const label = `${appName} ${mode}`
  try {
    if (mode.startsWith("dev")) {
      const flag = mode === "dev-webpack" ? "--webpack" : "--turbopack"
      server = await startServer(
        nextBin(app.dir),
        ["dev", flag, "-H", "127.0.0.1", "-p", String(port)],
        { cwd: app.dir, env, work },
        url
      )
    } else if (mode === "start") {
      const holder = await holdDatabase(app, env.AUTHKV_PATH)
      try {
        build(app, env, work, { databaseHeld: true })
      } finally {
        holder.kill("SIGKILL")
      }
      server = await startServer(
        nextBin(app.dir),
        ["start", "-H", "127.0.0.1", "-p", String(port)],
        { cwd: app.dir, env, work },
        url
      )
    } else {
      build(app, { ...env, NEXT_OUTPUT: "standalone" }, work, { databaseHeld: false })
      const out = join(app.dir, ".next", "standalone")
      // The library and what it links: the copy below must not need the
      // system's RocksDB.
      for (const file of ["libauthkv.so", "librocksdb.so.7.8", "libzstd.so.1"]) {
        const carried = join(out, "node_modules", "authkv", "native", file)
        assert.ok(existsSync(carried), `the standalone output lacks ${carried}`)
      }
      // Next.js leaves the static assets to the deployer, as its docs say.
      cpSync(join(app.dir, ".next", "static"), join(out, ".next", "static"), {
        recursive: true,
      })
      // Run a copy somewhere else: nothing may come from the app directory.
      const deployed = join(work, "deployed")
      cpSync(out, deployed, { recursive: true, verbatimSymlinks: true })
      server = await startServer(
        process.execPath,
        ["server.js"],
        {
          cwd: deployed,
          env: { ...env, PORT: String(port), HOSTNAME: "127.0.0.1" },
          work,
        },
        url
      )
    }
    const between = mode.startsWith("dev")
      ? async (n) => {
          const file = join(app.dir, n % 2 ? app.authModule : app.page)
          undo.push(touchSource(file, n))
          // Give the watcher a moment; the next request recompiles.
          await new Promise((r) => setTimeout(r, 1500))
        }
      : undefined
    const steps = await signInFlow({
      app: url,
      db: env.AUTHKV_PATH,
      dumpTool,
      screenshot: mode === "start" ? args.screenshot : undefined,
      between,
      log: (line) => console.log(`${label}: ${line}`),
    })
    const errors = readLog(join(work, "server.log"))
      .split("\n")
      .filter((l) => /authkv|EBUSY|lock/i.test(l) && /error/i.test(l))
    assert.deepEqual(errors, [], "the app logged authkv errors")
    passed++
    console.log(`ok - ${label} (${steps} steps)`)
  } catch (err) {
    failed++
    console.log(`not ok - ${label}: ${err.stack ?? err}`)
    console.log(`--- ${label} app log\n${readLog(join(work, "server.log"))}`)
  } finally {
    stopServer(server)
    for (const u of undo.reverse()) u()
    await new Promise((r) => setTimeout(r, 300))
    rmSync(work, { recursive: true, force: true })
  }
}

for (const appName of apps) {
  installNative(APPS[appName].dir)
  for (const mode of modes) await runMode(appName, mode)
}
console.log(`browser: ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
