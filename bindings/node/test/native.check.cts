// Compile-time checks (npm run typecheck): the NativeDb methods that
// src/calls.ts's rows become have exact types, the ones index.ts relies on,
// not `any`.

import type { NativeDb } from "../dist/native"

type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2
    ? true
    : false
type Method<K extends keyof NativeDb> = NativeDb[K] extends (
  ...args: infer A
) => infer R
  ? { args: A; result: R }
  : never
type Written<T> = T | Promise<T>

export const checks: [
  Same<
    Method<"userCreate">,
    { args: [Uint8Array]; result: Written<Uint8Array> }
  >,
  Same<Method<"userGet">, { args: [string]; result: Uint8Array | null }>,
  Same<
    Method<"userGetByAccount">,
    { args: [string, string]; result: Uint8Array | null }
  >,
  Same<
    Method<"userDelete">,
    { args: [string]; result: Promise<Uint8Array | null> }
  >,
  Same<
    Method<"sessionUpdate">,
    { args: [string, number]; result: Written<Uint8Array | null> }
  >,
  Same<
    Method<"authenticatorListByUser">,
    { args: [string]; result: Uint8Array }
  >,
  Same<
    Method<"purgeExpired">,
    {
      args: [number]
      result: Promise<{ sessions: number; verificationTokens: number }>
    }
  >,
  Same<
    Method<"reencryptAccounts">,
    { args: []; result: Promise<{ rewritten: number }> }
  >,
] = [true, true, true, true, true, true, true, true]

declare const db: NativeDb
// @ts-expect-error: a key is a string
db.userGet(1)
// @ts-expect-error: a read takes exactly its row's arguments
db.userGetByEmail("a@b.c", "extra")
