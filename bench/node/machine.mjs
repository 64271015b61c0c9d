// What the figures were measured on: they only mean something next to the
// machine, its load, and the runtime.

import { readFileSync } from "node:fs"
import os from "node:os"

function debianVersion() {
  try {
    return `Debian ${readFileSync("/etc/debian_version", "utf8").trim()}`
  } catch {
    return `${os.type()} ${os.release()}`
  }
}

export function describeMachine() {
  const cpus = os.cpus()
  const load = os.loadavg()
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: debianVersion(),
    kernel: os.release(),
    node: process.version,
    v8: process.versions.v8,
    loadAverage: load.map((x) => Math.round(x * 100) / 100),
  }
}

/** One line for captions and the Markdown header. */
export function machineLine(m) {
  return (
    `${m.cpu}, ${m.cores} CPUs, ${m.memoryGiB} GiB RAM, ${m.os}, ` +
    `Linux ${m.kernel}, Node ${m.node.replace(/^v/, "")}; ` +
    `load average ${m.loadAverage[0]} at the start`
  )
}
