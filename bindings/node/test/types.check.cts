// Compile-time checks (npm run typecheck): the CommonJS entry has the same
// types as the ES module one.

import type { Adapter } from "@auth/core/adapters" with {
  "resolution-mode": "import",
}
import authkv = require("authkv")

export const adapter: Required<Adapter> = authkv.AuthKVAdapter({
  path: "./data/auth",
})
export const viaDefault: Adapter = authkv.default({ path: "./data/auth" })
export const error: authkv.AuthKVErrorCode = new authkv.AuthKVError(
  "EEXISTS",
  "x"
).code
