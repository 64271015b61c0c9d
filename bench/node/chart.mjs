// The SVG chart, written by hand: ops/s on a log scale (the adapters span
// three orders of magnitude), one group of bars per operation, one colour
// per adapter, a legend, and the machine in the caption. No chart library:
// the output is a static file a README can embed.

import { machineLine } from "./machine.mjs"
import { fmtOps } from "./report.mjs"

// Okabe–Ito-like palette, distinguishable for colour-blind readers;
// authkv rows get the strong blue and its dark variant.
const COLORS = {
  authkv: "#0b5fff",
  "authkv-sync": "#08306b",
  kysely: "#e69f00",
  "kysely-full": "#8c5a00",
  drizzle: "#009e73",
  "mikro-orm": "#cc79a7",
  "unstorage-fs": "#7f7f7f",
  "unstorage-memory": "#bdbdbd",
}
const FALLBACK = ["#56b4e9", "#d55e00", "#f0e442", "#000000"]

function esc(s) {
  return String(s).replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]
  )
}

/** Axis labels: 100, 1k, 10k, 100k, 1M. */
function decade(x) {
  if (x >= 1e6) return `${x / 1e6}M`
  if (x >= 1e3) return `${x / 1e3}k`
  return String(x)
}

function shortOps(x) {
  if (x >= 1e6) return `${(x / 1e6).toPrecision(3)}M`
  if (x >= 1e3) return `${(x / 1e3).toPrecision(3)}k`
  return x.toPrecision(3)
}

export function toSvg(run) {
  const peers = run.peers.filter((p) =>
    run.operations.some((o) => run.results[p.id]?.[o.id])
  )
  const ops = run.operations
  const values = []
  for (const p of peers)
    for (const o of ops) {
      const v = run.results[p.id]?.[o.id]?.opsPerSec
      if (v > 0) values.push(v)
    }
  const lo = Math.floor(Math.log10(Math.min(...values, 1e3)))
  // Headroom above the tallest bar for its value label.
  const hi = Math.ceil(Math.log10(Math.max(...values, 1e4) * 2.5))

  const W = 1100
  const M = { top: 72, right: 24, bottom: 78, left: 76 }
  const legendH = 22 * Math.ceil(peers.length / 3)
  const plotH = 360
  const H = M.top + plotH + M.bottom + legendH
  const plotW = W - M.left - M.right
  const groupW = plotW / ops.length
  // The adapters measured in each group: durable rows only have writes.
  const inGroup = ops.map((o) =>
    peers.filter((p) => run.results[p.id]?.[o.id]?.opsPerSec > 0)
  )
  const barW = Math.min(
    22,
    (groupW - 24) / Math.max(...inGroup.map((g) => g.length))
  )
  const y = (v) => M.top + plotH - ((Math.log10(v) - lo) / (hi - lo)) * plotH
  const color = (p, i) => COLORS[p.id] ?? FALLBACK[i % FALLBACK.length]

  const out = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`
  )
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`)
  out.push(
    `<text x="${M.left}" y="24" font-size="16" font-weight="600">` +
      `Auth.js adapters: calls per second (log scale; higher is better)</text>`
  )
  out.push(
    `<text x="${M.left}" y="42" fill="#444">${esc(
      `${run.config.users.toLocaleString("en-US")} users; one call in flight (“8 at once”: eight sign-ins); ` +
        `medians of ${run.config.repetitions} repetitions` +
        (run.config.smoke ? " — smoke run, not figures" : "")
    )}</text>`
  )
  out.push(
    `<text x="${M.left}" y="58" fill="#444">${esc(
      "Default durability: authkv, and SQLite in WAL with synchronous=NORMAL (both survive a process crash). " +
        "Dark bars fsync every commit."
    )}</text>`
  )

  // Grid: a line and a label per decade, faint lines at 2× and 5×.
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e)
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#cccccc"/>`
    )
    out.push(
      `<text x="${M.left - 8}" y="${yy + 4}" text-anchor="end" fill="#333">${decade(10 ** e)}</text>`
    )
    if (e < hi) {
      for (const m of [2, 5]) {
        const ym = y(m * 10 ** e)
        out.push(
          `<line x1="${M.left}" x2="${W - M.right}" y1="${ym}" y2="${ym}" stroke="#eeeeee"/>`
        )
      }
    }
  }
  out.push(
    `<text transform="translate(18 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#333">ops/s</text>`
  )

  ops.forEach((op, g) => {
    const x0 = M.left + g * groupW + (groupW - barW * inGroup[g].length) / 2
    inGroup[g].forEach((p, slot) => {
      const i = peers.indexOf(p)
      const c = run.results[p.id][op.id]
      const x = x0 + slot * barW
      const top = y(c.opsPerSec)
      const h = M.top + plotH - top
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 2).toFixed(1)}" ` +
          `height="${h.toFixed(1)}" fill="${color(p, i)}"><title>${esc(
            `${p.label} — ${op.label}: ${fmtOps(c.opsPerSec)} ops/s, p50 ${(c.p50Ns / 1000).toFixed(2)} µs`
          )}</title></rect>`
      )
      const lx = x + (barW - 2) / 2 + 3.5
      out.push(
        `<text transform="translate(${lx.toFixed(1)} ${(top - 4).toFixed(1)}) rotate(-90)" ` +
          `font-size="10" fill="#222">${shortOps(c.opsPerSec)}</text>`
      )
    })
    const cx = M.left + g * groupW + groupW / 2
    out.push(
      `<text x="${cx}" y="${M.top + plotH + 18}" text-anchor="middle" font-weight="600">${esc(op.label)}</text>`
    )
  })
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`
  )

  // Legend, three columns.
  const ly = M.top + plotH + 40
  const colW = plotW / 3
  peers.forEach((p, i) => {
    const lx = M.left + (i % 3) * colW
    const yy = ly + Math.floor(i / 3) * 22
    out.push(
      `<rect x="${lx}" y="${yy - 11}" width="14" height="14" fill="${color(p, i)}"/>`
    )
    out.push(`<text x="${lx + 20}" y="${yy}">${esc(p.label)}</text>`)
  })

  // Caption: the machine, wrapped in two lines at most.
  const caption = `Measured on ${machineLine(run.machine)}. ${run.generated}.`
  const cut = caption.length > 150 ? caption.lastIndexOf(" ", 150) : -1
  const capLines =
    cut > 0 ? [caption.slice(0, cut), caption.slice(cut + 1)] : [caption]
  capLines.forEach((line, i) => {
    out.push(
      `<text x="${M.left}" y="${H - 30 + i * 15}" font-size="11" fill="#555">${esc(line)}</text>`
    )
  })
  out.push("</svg>")
  return out.join("\n") + "\n"
}
