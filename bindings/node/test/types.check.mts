// Compile-time checks (npm run typecheck): the adapter's declared types fit
// the Auth.js v5 `Adapter` interface from an ES module.

import type { Adapter, AdapterUser } from "@auth/core/adapters"
import type { AuthConfig } from "@auth/core"
import AuthKVAdapterDefault, {
  AuthKVAdapter,
  AuthKVError,
  defaultOptions,
  open,
  type AuthKVAdapterOptions,
  type AuthKVDatabase,
} from "authkv"

// Every method of the interface, optional ones included, is present.
export const full: Required<Adapter> = AuthKVAdapter({ path: "./data/auth" })
export const partial: Adapter = AuthKVAdapterDefault({ path: "./data/auth" })
export const config: AuthConfig = {
  adapter: AuthKVAdapter({ path: "./x" }),
  providers: [],
}

const db: AuthKVDatabase = open("./data/auth", {
  sync: true,
  emailMatch: "exact",
})
export const options: AuthKVAdapterOptions = {
  db,
  userFields: {
    role: { default: "ADMIN" },
    since: { default: () => new Date() },
  },
}
export const sync: boolean = defaultOptions.sync

// Records come back with Auth.js's types and extra fields.
export async function reads(): Promise<string | undefined> {
  const adapter = AuthKVAdapter(options)
  const user: AdapterUser | null = await adapter.getUser("id")
  const role = (await adapter.getUserByEmail("a@b.c"))?.role
  await adapter.updateAccount({
    provider: "github",
    providerAccountId: "1",
    access_token: "x",
  })
  adapter.close()
  return user?.email ?? (typeof role === "string" ? role : undefined)
}

export function isAuthKVError(err: unknown): string | null {
  return err instanceof AuthKVError ? err.code : null
}
