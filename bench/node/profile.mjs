#!/usr/bin/env node
// Where authkv's getSessionAndUser time goes in Node, layer by layer, and
// what a leaner binding would save. Each layer runs in a tight loop timed
// once (no per-call timers) on the same data set and random tokens as
// run.mjs; CPU time is reported beside wall time, so a busy machine still
// gives usable differences. It reaches into the package's internals on
// purpose (dist/native.js, dist/codec.js): that is what is measured.
//
//   AUTHKV_LIBRARY=... node --expose-gc profile.mjs [--users N]
//       [--iterations K] [--reps R] [--only layer,...]
//
// Phase 1 uses the package as shipped. Phase 2 reopens the database with
// its own koffi declarations and runs a prototype of the proposed hot read
// (see leanRead): same library, same C ABI, no change to bindings/node.

import { mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import os from "node:os"
import { join } from "node:path"
import { hrtime } from "node:process"
import { parseArgs } from "node:util"
import { makeDataset } from "./dataset.mjs"

const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "10000" },
    iterations: { type: "string", default: "200000" },
    reps: { type: "string", default: "5" },
    only: { type: "string" },
  },
})
const users = Number(args.users)
const iterations = Number(args.iterations)
const reps = Number(args.reps)
const want = args.only ? args.only.split(",") : null

const require = createRequire(import.meta.url)
const pkg = new URL("../../bindings/node/", import.meta.url).pathname
const authkv = require(join(pkg, "dist/index.js"))
const { nativeHandles } = require(join(pkg, "dist/native.js"))
const { decodeSessionAndUser } = require(join(pkg, "dist/codec.js"))
const koffi = require(join(pkg, "node_modules/koffi"))

// --- data -------------------------------------------------------------------

const data = makeDataset({ users, seed: 5 })
const dir = mkdtempSync(join(os.tmpdir(), "authkv-node-profile-"))
const path = join(dir, "db")
let db = authkv.open(path)
const adapter = authkv.AuthKVAdapter({ db })
for (const { user, account, session } of data.records) {
  const u = await adapter.createUser(user)
  await adapter.linkAccount({ ...account, userId: u.id })
  await adapter.createSession({ ...session, userId: u.id })
}
const tokens = Array.from(
  data.order,
  (i) => data.records[i].session.sessionToken
)
const mask = tokens.length - 1 // the data set's lookup order is 2^16 long

// --- timing -----------------------------------------------------------------

const results = {}

function syncLoop(fn) {
  let found = 0
  for (let i = 0; i < iterations; i++) if (fn(tokens[i & mask])) found++
  if (found !== iterations) throw new Error(`${iterations - found} misses`)
}

async function awaitLoop(fn) {
  let found = 0
  for (let i = 0; i < iterations; i++) if (await fn(tokens[i & mask])) found++
  if (found !== iterations) throw new Error(`${iterations - found} misses`)
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1]

async function layer(name, label, loop) {
  if (want && !want.includes(name)) return
  await loop() // warm-up: JIT, session cache
  const wall = []
  const cpu = []
  for (let r = 0; r < reps; r++) {
    globalThis.gc?.()
    const c0 = process.cpuUsage()
    const t0 = hrtime.bigint()
    await loop()
    wall.push(Number(hrtime.bigint() - t0) / iterations)
    const c = process.cpuUsage(c0)
    cpu.push(((c.user + c.system) * 1000) / iterations)
  }
  results[name] = { label, wallNs: median(wall), cpuNs: median(cpu) }
}

// --- phase 1: the package as shipped -----------------------------------------

const native = nativeHandles.get(db)
const fns = native.library.fns
async function empty() {
  return 1
}
await layer("koffiCall", "koffi call, no arguments", () =>
  syncLoop(() => fns.abiVersion())
)
await layer("packageRead", "package: native read (FFI + copy)", () =>
  syncLoop((t) => native.sessionAndUserGet(t))
)
await layer("packageDecode", "package: + FlatBuffers decode", () =>
  syncLoop((t) => decodeSessionAndUser(native.sessionAndUserGet(t), t))
)
await layer("packageAdapter", "package: adapter method, awaited", () =>
  awaitLoop((t) => adapter.getSessionAndUser(t))
)
await layer("awaitEmpty", "empty async function, awaited", () =>
  awaitLoop(empty)
)
const cache = db.cacheStats()
db.close()

// --- phase 2: a prototype of a leaner hot read ---------------------------------
//
// What it changes, all on the JavaScript side of the same C function:
//  - the token goes into a native scratch buffer with Buffer#write, which
//    returns its UTF-8 length (the package calls Buffer.byteLength, then koffi
//    encodes the string a second time);
//  - the out-parameters (dst, len_out, errmsg) live in native memory
//    allocated once and are passed as plain addresses: no typed array is
//    marshalled per call, and len_out is read as a Number, not a BigInt;
//  - the result is decoded straight from that memory with one long-lived
//    DataView, into object literals of fixed shape, reading only the fields
//    returned (no flatbuffers ByteBuffer or table objects per call, no
//    megamorphic helper that stores by key).

const lib = koffi.load(process.env.AUTHKV_LIBRARY ?? native.library.path)
const rawOpen = lib.func(
  "int authkv_open(_Out_ void **out, const char *path, void *opts, void *errmsg)"
)
const rawClose = lib.func("void authkv_close(void *db)")
const rawGet = lib.func(
  "int authkv_session_and_user_get_into(void *dst, size_t cap, void *len_out, " +
    "void *db, void *token, size_t token_len, void *errmsg)"
)
const out = [null]
if (rawOpen(out, path, null, null) !== 0) throw new Error("raw open failed")
const dbPtr = out[0]

const CAP = 4096
const TOKEN_CAP = 1024
const mem = koffi.alloc("uint8_t", CAP + TOKEN_CAP + 16)
const base = koffi.address(mem)
const dstAddr = base
const tokenAddr = base + BigInt(CAP)
const lenAddr = tokenAddr + BigInt(TOKEN_CAP)
const errAddr = lenAddr + 8n
const view = Buffer.from(koffi.view(mem, CAP + TOKEN_CAP + 16))
const dv = new DataView(view.buffer, view.byteOffset, view.byteLength)
const LEN_AT = CAP + TOKEN_CAP

function leanRead(token) {
  const n = view.write(token, CAP, TOKEN_CAP, "utf8")
  if (n >= TOKEN_CAP - 3) throw new Error("token too long for the prototype")
  dv.setBigUint64(LEN_AT + 8, 0n, true)
  const rc = rawGet(dstAddr, CAP, lenAddr, dbPtr, tokenAddr, n, errAddr)
  if (rc === -3) return 0
  if (rc !== 0) throw new Error(`authkv rc ${rc}`) // the prototype skips ERANGE and errmsg
  return dv.getUint32(LEN_AT, true)
}

// Minimal FlatBuffers reading over `dv` (little-endian, as FlatBuffers is).
function field(table, slot) {
  const vt = table - dv.getInt32(table, true)
  const at = 4 + 2 * slot
  return at < dv.getUint16(vt, true) ? dv.getUint16(vt + at, true) : 0
}
function ref(table, slot) {
  const o = field(table, slot)
  if (o === 0) return -1
  const p = table + o
  return p + dv.getUint32(p, true)
}
function str(table, slot) {
  const s = ref(table, slot)
  if (s < 0) return null
  const len = dv.getUint32(s, true)
  return view.utf8Slice(s + 4, s + 4 + len)
}
function i64(table, slot) {
  const o = field(table, slot)
  return o === 0 ? null : Number(dv.getBigInt64(table + o, true))
}

// User fields as in schema/user.fbs; null_fields bits: name 0, email 1,
// image 2, emailVerified 3 (extra_json is left out: the data set has none,
// and the package's decodeExtra would run only when it is present).
function leanDecode(token) {
  const root = dv.getUint32(0, true)
  const s = ref(root, 0)
  const u = ref(root, 1)
  const nulls = field(u, 6) ? dv.getUint32(u + field(u, 6), true) : 0
  const name = str(u, 1)
  const email = str(u, 2)
  const image = str(u, 4)
  const verified = i64(u, 3)
  const user = {
    id: str(u, 0),
    name: name ?? (nulls & 1 ? null : undefined),
    email: email ?? (nulls & 2 ? null : undefined),
    emailVerified:
      verified !== null ? new Date(verified) : nulls & 8 ? null : undefined,
    image: image ?? (nulls & 4 ? null : undefined),
  }
  return {
    session: {
      sessionToken: token,
      userId: str(s, 1),
      expires: new Date(i64(s, 2)),
    },
    user,
  }
}

const lean = {
  async getSessionAndUser(token) {
    return leanRead(token) ? leanDecode(token) : null
  },
}

// Same answers as the package, for a few tokens.
for (let i = 0; i < 20; i++) {
  const t = tokens[i]
  leanRead(t)
  const a = leanDecode(t)
  const rec = data.records[data.order[i]]
  if (
    a.user.email !== rec.user.email ||
    a.user.id === null ||
    !(a.session.expires > 0)
  ) {
    throw new Error(`lean decode disagrees for ${t}`)
  }
}

await layer("leanRead", "prototype: native read", () => syncLoop(leanRead))
await layer("leanDecode", "prototype: + direct decode", () =>
  syncLoop((t) => leanRead(t) && leanDecode(t))
)
await layer("leanAdapter", "prototype: adapter method, awaited", () =>
  awaitLoop((t) => lean.getSessionAndUser(t))
)
rawClose(dbPtr)
koffi.free(mem)
rmSync(dir, { recursive: true, force: true })

// --- report -------------------------------------------------------------------

console.log(
  `authkv getSessionAndUser in Node: ${users} users, ${iterations} calls x ${reps} ` +
    `repetitions, medians per call (wall / CPU time)`
)
for (const { label, wallNs, cpuNs } of Object.values(results)) {
  console.log(
    `  ${label.padEnd(40)} ${wallNs.toFixed(0).padStart(6)} ns / ${cpuNs.toFixed(0).padStart(6)} ns` +
      `  (${Math.round(1e9 / wallNs).toLocaleString("en-US")}/s wall)`
  )
}
const cpu = (k) => results[k]?.cpuNs
console.log("CPU time per layer (ns):", {
  "FFI read beyond a bare call": Math.round(
    cpu("packageRead") - cpu("koffiCall")
  ),
  "FlatBuffers decode": Math.round(cpu("packageDecode") - cpu("packageRead")),
  "adapter method + await": Math.round(
    cpu("packageAdapter") - cpu("packageDecode")
  ),
  "prototype saves, read": Math.round(cpu("packageRead") - cpu("leanRead")),
  "prototype saves, decode": Math.round(
    cpu("packageDecode") -
      cpu("packageRead") -
      (cpu("leanDecode") - cpu("leanRead"))
  ),
  "prototype saves, whole call": Math.round(
    cpu("packageAdapter") - cpu("leanAdapter")
  ),
})
console.log("session cache after phase 1:", cache)
