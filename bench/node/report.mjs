// Turns one run's results into the raw JSON, the ratios, the issue's
// targets, and the Markdown table that scripts/bench folds into
// bench/results/report.md.

import { machineLine } from "./machine.mjs"

const AUTHKV = "authkv"
const AUTHKV_SYNC = "authkv-sync"
const DURABLE_PEER = "kysely-full"

/** authkv's ops/s over each peer's, per operation (>1: authkv is faster). */
export function computeRatios(run) {
  const ratios = {}
  for (const op of run.operations) {
    ratios[op.id] = {}
    for (const peer of run.peers) {
      // Durable rows compare with the durable authkv row.
      const base = peer.measures === "writes" ? AUTHKV_SYNC : AUTHKV
      if (peer.id === base) continue
      const a = run.results[base]?.[op.id]?.opsPerSec
      const p = run.results[peer.id]?.[op.id]?.opsPerSec
      if (a && p) ratios[op.id][peer.id] = a / p
    }
  }
  return ratios
}

/** The targets of issue 5 that the Node benchmark can judge. */
export function computeTargets(run, ratios) {
  const ops = (peer, op) => run.results[peer]?.[op]?.opsPerSec
  const sqlite = run.peers.filter(
    (p) =>
      p.backing === "sqlite" &&
      p.measures === "all" &&
      ops(p.id, "getSessionAndUser")
  )
  const targets = []

  const fastest = sqlite.reduce(
    (best, p) =>
      !best ||
      ops(p.id, "getSessionAndUser") > ops(best.id, "getSessionAndUser")
        ? p
        : best,
    null
  )
  if (fastest) {
    const r = ratios.getSessionAndUser[fastest.id]
    targets.push({
      target: "Node getSessionAndUser ≥ 10× the fastest SQLite-backed peer",
      measured: `${fmtRatio(r)} ${fastest.label}`,
      ratio: r,
      met: r >= 10,
    })
  }
  const mem = ratios.getSessionAndUser?.["unstorage-memory"]
  if (mem !== undefined) {
    targets.push({
      target: "Node getSessionAndUser faster than unstorage's memory driver",
      measured: `${fmtRatio(mem)} unstorage memory driver`,
      ratio: mem,
      met: mem > 1,
    })
  }
  const signIn = sqlite
    .map((p) => ({ p, r: ratios.signIn?.[p.id] }))
    .filter((x) => x.r !== undefined)
  if (signIn.length) {
    const worst = signIn.reduce((a, b) => (b.r < a.r ? b : a))
    targets.push({
      target: "Sign-in writes ≥ 2× each SQLite-backed peer, default durability",
      measured: signIn
        .map(({ p, r }) => `${fmtRatio(r)} ${p.label}`)
        .join("; "),
      ratio: worst.r,
      met: worst.r >= 2,
    })
  }
  const durable = ratios.signIn?.[DURABLE_PEER]
  if (durable !== undefined) {
    targets.push({
      target:
        "(context) sign-in writes with fsync per commit: authkv sync vs SQLite synchronous=FULL",
      measured: `${fmtRatio(durable)} Kysely + better-sqlite3 (synchronous=FULL)`,
      ratio: durable,
      met: null,
    })
  }
  const one = ops(AUTHKV_SYNC, "signIn")
  const batch = ops(AUTHKV_SYNC, "signInConcurrent")
  if (one && batch) {
    targets.push({
      target:
        "With `sync: true`, concurrent sign-ins share fsyncs (group commit; 8 in flight > 1.5× one at a time)",
      measured:
        `${fmtOps(batch)} sign-ins/s with 8 in flight vs ${fmtOps(one)}/s one at a time ` +
        `(${fmtRatio(batch / one)})`,
      ratio: batch / one,
      met: batch / one > 1.5,
    })
  }
  return targets
}

// --- formatting ----------------------------------------------------------

export function fmtOps(x) {
  if (!Number.isFinite(x)) return "—"
  if (x >= 100) return Math.round(x).toLocaleString("en-US")
  return x.toPrecision(3)
}

export function fmtUs(ns) {
  if (!Number.isFinite(ns)) return "—"
  const us = ns / 1000
  if (us >= 100) return Math.round(us).toLocaleString("en-US")
  if (us >= 10) return us.toFixed(1)
  return us.toFixed(2)
}

export function fmtRatio(r) {
  if (!Number.isFinite(r)) return "—"
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`
}

function cell(run, peer, op) {
  return run.results[peer.id]?.[op.id]
}

export function toMarkdown(run) {
  const { config, machine, ratios, targets } = run
  const lines = []
  const add = (s = "") => lines.push(s)

  add("### Node: authkv's Auth.js adapter against the peer adapters")
  add()
  add(
    `${machineLine(machine)}. ${config.users.toLocaleString("en-US")} users, ` +
      `each with one OAuth account and one session (seed ${config.seed}), loaded ` +
      `into every adapter through the Adapter interface; then each operation ` +
      `one call at a time, ${config.warmupMs} ms warm-up, ` +
      `${config.budgetMs} ms (at least ${config.minOps} calls) per repetition, ` +
      `medians of ${config.repetitions} repetitions interleaved across adapters. ` +
      `ops/s = 1 / mean latency; latencies in µs include the await ` +
      `(for "8 at once": sign-ins per second, latency of the whole batch).` +
      (config.smoke ? " **Smoke run: not figures.**" : "")
  )
  add()
  add("| operation | adapter | ops/s | p50 µs | p99 µs | authkv ÷ adapter |")
  add("|---|---|---:|---:|---:|---:|")
  for (const op of run.operations) {
    let first = true
    for (const peer of run.peers) {
      const c = cell(run, peer, op)
      if (!c) continue
      const isBase = peer.id === AUTHKV || peer.id === AUTHKV_SYNC
      const r = ratios[op.id]?.[peer.id]
      const name = isBase ? `**${peer.label}**` : peer.label
      add(
        `| ${first ? op.label : ""} | ${name} | ${fmtOps(c.opsPerSec)} | ` +
          `${fmtUs(c.p50Ns)} | ${fmtUs(c.p99Ns)} | ${isBase ? "" : fmtRatio(r)} |`
      )
      first = false
    }
  }
  add()

  add(
    "authkv's throughput over each adapter's (durable rows: authkv `sync: true` over it):"
  )
  add()
  add(`| adapter | ${run.operations.map((o) => o.label).join(" | ")} |`)
  add(`|---|${run.operations.map(() => "---:").join("|")}|`)
  for (const peer of run.peers) {
    if (peer.id === AUTHKV || peer.id === AUTHKV_SYNC) continue
    const row = run.operations.map((o) => fmtRatio(ratios[o.id]?.[peer.id]))
    if (row.every((x) => x === "—")) continue
    add(`| ${peer.label} | ${row.join(" | ")} |`)
  }
  add()

  if (targets.length) {
    add("Targets of issue 5 (from this run):")
    add()
    for (const t of targets) {
      const verdict =
        t.met === null ? "" : t.met ? " — **met**" : " — **missed**"
      add(`- ${t.target}: ${t.measured}${verdict}`)
    }
    add()
  }

  add("Notes:")
  add()
  add(
    "- Durability: authkv by default and the SQLite peers (WAL, `synchronous=NORMAL`) " +
      "survive a process crash, not a power cut; the unstorage fs driver writes files " +
      "without fsync; `sync: true` and `synchronous=FULL` fsync every commit. Durable " +
      "rows measure the writes only (their reads are the default rows')."
  )
  add(
    "- Schemas: each adapter's documented default (Drizzle: drizzle-kit's DDL of its " +
      "default tables; MikroORM: its schema generator on the adapter's entities; Kysely: " +
      "the docs' migration in SQLite types, plus Auth.js's unique " +
      "(provider, providerAccountId) index, without which getUserByAccount scans)."
  )
  const floor = run.harnessFloor
  if (floor) {
    add(
      `- Harness floor: an empty async call timed the same way costs ` +
        `${fmtUs(floor.p50Ns)} µs p50 (${fmtOps(floor.opsPerSec)} ops/s).`
    )
  }
  for (const peer of run.peers) {
    const bits = []
    if (peer.version) bits.push(peer.version)
    if (peer.load) {
      bits.push(
        `load ${(peer.load.ms / 1000).toFixed(1)} s ` +
          `(${fmtOps(peer.load.recordsPerSec)} records/s)`
      )
    }
    if (peer.stats?.sessionCache) {
      const s = peer.stats.sessionCache
      bits.push(
        `session cache ${s.hits.toLocaleString("en-US")} hits / ` +
          `${s.misses.toLocaleString("en-US")} misses, ${s.entries} entries`
      )
    }
    if (peer.error) bits.push(`**failed: ${peer.error}**`)
    add(`- ${peer.label}: ${bits.join("; ")}`)
  }
  add()
  add(
    `Reproduce: \`${run.command}\`. Chart: \`node.svg\`; raw data: \`node.json\`.`
  )
  return lines.join("\n") + "\n"
}
