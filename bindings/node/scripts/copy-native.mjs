// Copies libauthkv.so into native/, where the package finds it when neither
// the libraryPath option nor AUTHKV_LIBRARY names one. Runs on `npm pack`.
//
// Source: $AUTHKV_LIBRARY, else the repository build ../../build.

import { copyFileSync, existsSync, mkdirSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const source = resolve(
  process.env.AUTHKV_LIBRARY ??
    join(root, "..", "..", "build", "bindings", "c", "libauthkv.so")
)
if (!existsSync(source)) {
  console.error(
    `copy-native: ${source} does not exist; build authkv_c or set AUTHKV_LIBRARY`
  )
  process.exit(1)
}
mkdirSync(join(root, "native"), { recursive: true })
copyFileSync(source, join(root, "native", "libauthkv.so"))
console.log(`copy-native: ${source} -> native/libauthkv.so`)
