#!/usr/bin/env node
// The Node benchmark of issue 5 in one process: loads the same data set
// into every adapter (peers.mjs) through the Adapter interface, measures
// each operation (operations.mjs) on each adapter, and writes node.json,
// node.md and node.svg.
//
//   node --expose-gc run.mjs [--users N] [--reps R] [--budget-ms MS]
//        [--warmup-ms MS] [--seed S] [--only a,b] [--ops x,y] [--out DIR]
//        [--keep] [--smoke]
//
// --smoke: 200 users, 1 repetition, short budgets; writes to a temporary
// directory unless --out is given; exits non-zero unless every adapter ran
// every operation with correct answers. Needs AUTHKV_LIBRARY (or the
// default library path) and the built package in bindings/node/dist.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import { join, resolve } from "node:path"
import { hrtime } from "node:process"
import { parseArgs } from "node:util"
import { toSvg } from "./chart.mjs"
import { makeDataset, writeInputs } from "./dataset.mjs"
import { describeMachine } from "./machine.mjs"
import { measure, summarize } from "./measure.mjs"
import { harnessFloor, noopAdapter, operations } from "./operations.mjs"
import { peers as allPeers } from "./peers.mjs"
import { computeRatios, computeTargets, toMarkdown } from "./report.mjs"

const { values: args } = parseArgs({
  options: {
    users: { type: "string" },
    reps: { type: "string" },
    "budget-ms": { type: "string" },
    "warmup-ms": { type: "string" },
    seed: { type: "string", default: "5" },
    only: { type: "string" },
    ops: { type: "string" },
    out: { type: "string" },
    keep: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
})
if (args.help) {
  console.log(
    "usage: node --expose-gc run.mjs [--smoke] [--users N] [--reps R] " +
      "[--budget-ms MS] [--warmup-ms MS] [--seed S] [--only peer,...] [--ops op,...] [--out DIR] [--keep]"
  )
  console.log(`peers: ${allPeers.map((p) => p.id).join(", ")}`)
  console.log(`ops: ${operations.map((o) => o.id).join(", ")}`)
  process.exit(0)
}

const smoke = args.smoke
const int = (v, d) => (v === undefined ? d : Number.parseInt(v, 10))
const config = {
  smoke,
  users: int(args.users, smoke ? 200 : 10_000),
  seed: int(args.seed, 5),
  repetitions: int(args.reps, smoke ? 1 : 5),
  warmupMs: int(args["warmup-ms"], smoke ? 10 : 100),
  budgetMs: int(args["budget-ms"], smoke ? 30 : 400),
  // Enough calls for a p99 even on the slowest adapter, few enough that
  // the fastest ones stay inside the budget.
  minOps: smoke ? 20 : 200,
  maxOps: 500_000,
}
const pick = (list, csv) => {
  if (!csv) return list
  const want = csv.split(",")
  const unknown = want.filter((w) => !list.some((x) => x.id === w))
  if (unknown.length) throw new Error(`unknown: ${unknown.join(", ")}`)
  return list.filter((x) => want.includes(x.id))
}
const peers = pick(allPeers, args.only)
const ops = pick(operations, args.ops)
const outDir = resolve(
  args.out ??
    (smoke
      ? mkdtempSync(join(os.tmpdir(), "authkv-node-smoke-"))
      : new URL("../results", import.meta.url).pathname)
)
const log = (...a) => console.error(...a)
if (!globalThis.gc)
  log("note: run with node --expose-gc to collect garbage between rows")

const ms = (t0) => Number(hrtime.bigint() - t0) / 1e6
const machine = describeMachine()
const data = makeDataset({ users: config.users, seed: config.seed })
const work = mkdtempSync(
  join(process.env.AUTHKV_BENCH_TMPDIR ?? os.tmpdir(), "authkv-node-bench-")
)
log(
  `bench/node: ${config.users} users, ${config.repetitions} repetition(s), databases in ${work}`
)

// --- open and load every adapter ------------------------------------------

/** A few lookups after the load: an adapter that lost data fails here. */
async function verifyLoaded(adapter) {
  const check = (ok, what) => {
    if (!ok) throw new Error(`${what} answered wrong after the load`)
  }
  for (let i = 0; i < Math.min(20, data.order.length); i++) {
    const { user, account, session } = data.records[data.order[i]]
    const found = await adapter.getSessionAndUser(session.sessionToken)
    check(found?.user.email === user.email, "getSessionAndUser")
    const byEmail = await adapter.getUserByEmail(user.email)
    check(byEmail?.email === user.email, "getUserByEmail")
    const { provider, providerAccountId } = account
    const byAccount = await adapter.getUserByAccount({
      provider,
      providerAccountId,
    })
    check(byAccount?.email === user.email, "getUserByAccount")
  }
}

const live = [] // { peer, info, adapter, instance }
const peerInfo = []
for (const peer of peers) {
  const info = {
    id: peer.id,
    label: peer.label,
    backing: peer.backing,
    measures: peer.measures,
  }
  peerInfo.push(info)
  try {
    const dir = join(work, peer.id)
    mkdirSync(dir)
    const instance = await peer.open(dir)
    info.version = instance.version
    const t0 = hrtime.bigint()
    const a = instance.adapter
    for (const { user, account, session } of data.records) {
      const created = await a.createUser(user)
      await a.linkAccount({ ...account, userId: created.id })
      await a.createSession({ ...session, userId: created.id })
    }
    const loadMs = ms(t0)
    info.load = {
      ms: loadMs,
      recordsPerSec: (3 * data.records.length) / (loadMs / 1000),
    }
    await verifyLoaded(a)
    const adapter = instance.afterLoad ? await instance.afterLoad() : a
    live.push({ peer, info, adapter, instance })
    log(`  ${peer.id}: loaded in ${(loadMs / 1000).toFixed(1)} s`)
  } catch (err) {
    info.error = String(err?.message ?? err).split("\n")[0]
    log(`  ${peer.id}: FAILED: ${err?.stack ?? err}`)
  }
}

// --- measure ---------------------------------------------------------------

/** Durable rows measure the writes; batched durable-only ops skip the rest. */
function measures(peer, op) {
  if (peer.measures === "writes") return op.kind === "write"
  return !op.durableOnly
}

// Repetitions are interleaved across adapters (op → rep → adapter), so a
// burst of load on the shared machine spreads over every row instead of
// landing on one.
const raw = {}
const states = new Map()
const stateFor = (peerId, opId) => {
  const key = `${peerId}/${opId}`
  if (!states.has(key)) {
    states.set(key, {
      data,
      cursor: 0,
      writes: writeInputs(config.seed, `w:${peerId}:${opId}`),
    })
  }
  return states.get(key)
}

const floorRuns = []
for (let r = 0; r < config.repetitions; r++) {
  floorRuns.push(await measure(harnessFloor, noopAdapter, {}, config))
}

for (const op of ops) {
  const t0 = hrtime.bigint()
  for (let r = 0; r < config.repetitions; r++) {
    for (const { peer, info, adapter } of live) {
      if (info.error) continue
      if (!measures(peer, op)) continue
      try {
        const run = await measure(op, adapter, stateFor(peer.id, op.id), config)
        ;((raw[peer.id] ??= {})[op.id] ??= []).push(run)
      } catch (err) {
        info.error = `${op.id}: ${String(err?.message ?? err).split("\n")[0]}`
        log(`  ${peer.id} ${op.id}: FAILED: ${err?.stack ?? err}`)
      }
    }
  }
  log(`  ${op.id}: ${(ms(t0) / 1000).toFixed(1)} s`)
}

const results = {}
for (const [peerId, byOp] of Object.entries(raw)) {
  results[peerId] = {}
  for (const [opId, runs] of Object.entries(byOp))
    results[peerId][opId] = summarize(runs)
}
for (const { info, instance } of live) {
  try {
    if (instance.stats) info.stats = instance.stats()
    await instance.close()
  } catch (err) {
    log(`  ${info.id}: close failed: ${err?.message ?? err}`)
  }
}
log(`  closed every adapter`)
if (!args.keep) rmSync(work, { recursive: true, force: true })
log(`  removed ${work}`)

// --- report ----------------------------------------------------------------

const run = {
  schema: 1,
  generated: new Date().toISOString(),
  command: smoke
    ? "bench/node/run DIR --smoke"
    : "scripts/bench; the Node part alone: bench/node/run bench/results",
  machine,
  config,
  operations: ops.map(({ id, label, what, kind, durableOnly, perRun }) => ({
    id,
    label,
    what,
    kind,
    durableOnly: !!durableOnly,
    perRun: perRun ?? 1,
  })),
  peers: peerInfo,
  harnessFloor: summarize(floorRuns),
  results,
}
run.ratios = computeRatios(run)
run.targets = computeTargets(run, run.ratios)

mkdirSync(outDir, { recursive: true })
writeFileSync(join(outDir, "node.json"), JSON.stringify(run, null, 2) + "\n")
const md = toMarkdown(run)
writeFileSync(join(outDir, "node.md"), md)
writeFileSync(join(outDir, "node.svg"), toSvg(run))
console.log(md)
log(`bench/node: wrote ${join(outDir, "node.md")}, node.json, node.svg`)

// --- verdict -----------------------------------------------------------------

// Every live cell must exist and have answered correctly every time.
let passed = 0
let failed = 0
for (const info of peerInfo) {
  const peer = peers.find((p) => p.id === info.id)
  const want = ops.filter((o) => measures(peer, o))
  const bad =
    info.error ||
    want.some(
      (o) => !results[info.id]?.[o.id] || results[info.id][o.id].failures > 0
    )
  if (bad) {
    failed++
    log(`  ${info.id}: ${info.error ?? "wrong or missing answers"}`)
  } else passed++
}
console.log(`${smoke ? "smoke" : "bench"}: ${passed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
