// Timing: one call in flight at a time (as one request handler makes
// them), each call timed with process.hrtime.bigint() around the awaited
// promise, so the figure includes the promise and its continuation, which
// is what Auth.js pays. ops/s is calls per second of time spent in calls,
// i.e. 1 / mean latency: preparing the next input is not the adapter's cost.

import { hrtime } from "node:process"

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted, q) {
  if (sorted.length === 0) return NaN
  const rank = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil(q * sorted.length) - 1)
  )
  return sorted[rank]
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/**
 * Runs `op` against `adapter`: a warm-up of `warmupMs` (JIT, caches, the
 * SQLite page cache), then calls until `budgetMs` has passed and at least
 * `minOps` ran, or `maxOps` ran. Returns the counts and latency summary in
 * nanoseconds.
 */
export async function measure(op, adapter, state, cfg) {
  const { warmupMs, budgetMs, minOps, maxOps } = cfg
  let failures = 0

  const warmEnd = hrtime.bigint() + BigInt(Math.round(warmupMs * 1e6))
  for (let i = 0; i < maxOps; i++) {
    if (!(await op.run(adapter, op.prepare(state)))) failures++
    if (hrtime.bigint() >= warmEnd) break
  }

  // Collect garbage the warm-up (and the previous row) left, so this
  // row pays for its own garbage only.
  globalThis.gc?.()

  const lat = new Float64Array(maxOps)
  const budget = BigInt(Math.round(budgetMs * 1e6))
  const start = hrtime.bigint()
  let n = 0
  for (;;) {
    const input = op.prepare(state)
    const t0 = hrtime.bigint()
    const ok = await op.run(adapter, input)
    const t1 = hrtime.bigint()
    lat[n++] = Number(t1 - t0)
    if (!ok) failures++
    if (n >= maxOps || (n >= minOps && t1 - start >= budget)) break
  }

  const sorted = lat.subarray(0, n).sort()
  let total = 0
  for (let i = 0; i < n; i++) total += sorted[i]
  return {
    ops: n,
    failures,
    // A batched operation (perRun > 1) counts each call in the batch.
    opsPerSec: (n * (op.perRun ?? 1)) / (total / 1e9),
    meanNs: total / n,
    p50Ns: percentile(sorted, 0.5),
    p99Ns: percentile(sorted, 0.99),
  }
}

/** The medians over repetitions of one (adapter, operation) cell. */
export function summarize(runs) {
  const pick = (k) => runs.map((r) => r[k])
  const ops = pick("opsPerSec")
  return {
    repetitions: runs.length,
    opsPerSec: median(ops),
    opsPerSecMin: Math.min(...ops),
    opsPerSecMax: Math.max(...ops),
    p50Ns: median(pick("p50Ns")),
    p99Ns: median(pick("p99Ns")),
    meanNs: median(pick("meanNs")),
    ops: pick("ops").reduce((a, b) => a + b, 0),
    failures: pick("failures").reduce((a, b) => a + b, 0),
    runs,
  }
}
