// Generates the TypeScript FlatBuffers readers and builders in src/schema/
// from ../../schema/*.fbs with the system flatc (2.0.8, the version whose
// output the pinned `flatbuffers` npm runtime matches). The output is build
// output: gitignored, never edited by hand, rewritten on every build.
//
// Environment: FLATC (default: flatc on PATH), AUTHKV_SCHEMA_DIR (default:
// the repository's schema/ directory).

import { execFileSync } from "node:child_process"
import { mkdirSync, readdirSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const EXPECTED_FLATC = "2.0.8"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const schemaDir = resolve(
  process.env.AUTHKV_SCHEMA_DIR ?? join(root, "..", "..", "schema")
)
const outDir = join(root, "src", "schema")
const flatc = process.env.FLATC ?? "flatc"

function fail(message) {
  console.error(`codegen: ${message}`)
  process.exit(1)
}

let version
try {
  version = execFileSync(flatc, ["--version"], { encoding: "utf8" }).trim()
} catch (err) {
  fail(`cannot run ${flatc} (${err.message}); install flatbuffers-compiler`)
}
if (version !== `flatc version ${EXPECTED_FLATC}`) {
  fail(
    `${flatc} reports "${version}", want ${EXPECTED_FLATC}: the flatbuffers ` +
      "npm runtime in package.json is pinned to match 2.0.8's TypeScript"
  )
}

const schemas = readdirSync(schemaDir)
  .filter((name) => name.endsWith(".fbs"))
  .sort()
  .map((name) => join(schemaDir, name))
if (schemas.length === 0) fail(`no .fbs files in ${schemaDir}`)

rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
execFileSync(flatc, ["--ts", "-o", outDir, "-I", schemaDir, ...schemas], {
  stdio: "inherit",
})
console.log(`codegen: ${schemas.length} schemas -> ${outDir}`)
