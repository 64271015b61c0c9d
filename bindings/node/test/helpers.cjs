// The temporary-directory helper for CommonJS tests (see helpers.mjs).

const { mkdtempSync, rmSync } = require("node:fs")
const { tmpdir } = require("node:os")
const { join } = require("node:path")

function tempDir(prefix = "authkv-node-") {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    path: join(dir, "db"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

module.exports = { tempDir }
