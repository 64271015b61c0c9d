/**
 * The ES module entry of `authkv`: the same objects as the CommonJS entry
 * (one copy of the native state and of `AuthKVError`, whichever way the
 * package is loaded).
 */

// A namespace import keeps the types under every module resolution (with
// "bundler", which Next.js forces, a default import of CommonJS types as any).
import * as cjs from "./index.js"

export const {
  ABI_VERSION,
  AuthKVAdapter,
  AuthKVError,
  checkAbiVersion,
  defaultOptions,
  open,
} = cjs
export default AuthKVAdapter

export type {
  AuthKVAccount,
  AuthKVAccountType,
  AuthKVAdapterMethods,
  AuthKVAdapterOptions,
  AuthKVAuthenticator,
  AuthKVCacheStats,
  AuthKVDatabase,
  AuthKVErrorCode,
  AuthKVNewUser,
  AuthKVOpenOptions,
  AuthKVSession,
  AuthKVUser,
  AuthKVUserField,
  AuthKVVerificationToken,
  JsonValue,
} from "./index.js"
