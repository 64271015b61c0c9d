// Puts the native library into the npm package: `npm pack` / `npm publish`
// run this as `prepack`, and `postpack` runs it with --clean.
//
// The package carries a built libauthkv.so (see README.md, "How the package
// carries its native library"): this bundles one into native/, where
// src/native.ts finds it when neither the libraryPath option nor
// AUTHKV_LIBRARY names a library. Before copying it loads the library the
// way the package will, so a tarball never carries a library that the
// package cannot load (another ABI version, a sanitizer build, a missing
// dist/).
//
// Source: $AUTHKV_LIBRARY, else the repository build ../../build.
//
//   node scripts/copy-native.mjs          copy into native/
//   node scripts/copy-native.mjs --clean  remove native/ again

import { execFileSync } from "node:child_process"
import { existsSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const nativeDir = join(root, "native")

function fail(message) {
  console.error(`copy-native: ${message}`)
  process.exit(1)
}

if (process.argv.includes("--clean")) {
  rmSync(nativeDir, { recursive: true, force: true })
  process.exit(0)
}

if (!existsSync(join(root, "dist", "index.js"))) {
  fail("dist/ is missing: run `npm run build` first")
}
const source = resolve(
  process.env.AUTHKV_LIBRARY ??
    join(root, "..", "..", "build", "bindings", "c", "libauthkv.so")
)
if (!existsSync(source)) {
  fail(`${source} does not exist; build authkv_c or set AUTHKV_LIBRARY`)
}

// Load it in a child process (a sanitizer build would abort this one) with
// the package's own loader: 64-bit check, dlopen, ABI version check.
const check = `
  const { loadLibrary } = require(${JSON.stringify(join(root, "dist", "native.js"))})
  const lib = loadLibrary(${JSON.stringify(source)})
  process.stdout.write(lib.version)
`
let version
try {
  version = execFileSync(process.execPath, ["-e", check], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  })
} catch (err) {
  fail(`the package cannot load ${source}:\n${err.stderr || err.message}`)
}
const pkg = createRequire(import.meta.url)(join(root, "package.json"))
if (version !== pkg.version) {
  fail(`${source} is authkv ${version}, but the package is ${pkg.version}`)
}

// The library with every shared library it links that a Linux machine may
// lack (RocksDB, the codecs) beside it, found through RUNPATH $ORIGIN
// (platform/bundle-native.sh, platform/system-libraries.txt).
const hook = join(dirname(source), "authkv_env_cleanup.node")
if (!existsSync(hook)) fail(`${hook} does not exist; build authkv_env_cleanup`)
try {
  execFileSync("bash", [join(root, "platform", "bundle-native.sh"), source, hook, nativeDir], {
    stdio: ["ignore", "inherit", "inherit"],
  })
} catch {
  fail(`bundling ${source} into native/ failed`)
}
console.log(`copy-native: ${source} (authkv ${version}) -> native/ (bundled)`)
