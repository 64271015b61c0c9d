// The open options beyond the Adapter interface: token encryption with key
// rotation, the session cache switch and counters, the background purge.

import assert from "node:assert/strict"
import { test } from "node:test"
import { AuthKVAdapter, AuthKVError, open } from "authkv"
import { tempDir } from "./helpers.mjs"

const keyOf = (fill) => new Uint8Array(32).fill(fill)
const account = (userId) => ({
  userId,
  type: "oauth",
  provider: "github",
  providerAccountId: "gh-1",
  access_token: "gho_secret_access_token",
  refresh_token: "ghr_secret_refresh_token",
  token_type: "bearer",
})

test("tokenKeys encrypt OAuth tokens; rotation re-encrypts; a missing key is a clear error", async () => {
  const dir = tempDir()
  try {
    const k1 = { id: 1, key: keyOf(1) }
    const k2 = { id: 2, key: keyOf(2) }
    let adapter = AuthKVAdapter({ path: dir.path, tokenKeys: [k1] })
    const user = await adapter.createUser({ email: "enc@example.com", emailVerified: null })
    await adapter.linkAccount(account(user.id))
    assert.equal((await adapter.getAccount("gh-1", "github")).access_token, "gho_secret_access_token")
    adapter.close()

    adapter = AuthKVAdapter({ path: dir.path })
    await assert.rejects(adapter.getAccount("gh-1", "github"), (e) => {
      assert.ok(e instanceof AuthKVError)
      assert.equal(e.code, "EKEY")
      assert.match(e.message, /key id 1/)
      return true
    })
    adapter.close()

    const db = open(dir.path, { tokenKeys: [k2, k1] })
    assert.equal(await db.reencryptAccounts(), 1)
    assert.equal(await db.reencryptAccounts(), 0)
    db.close()
    adapter = AuthKVAdapter({ path: dir.path, tokenKeys: [k2] })
    assert.equal((await adapter.getAccount("gh-1", "github")).refresh_token, "ghr_secret_refresh_token")
    adapter.close()
  } finally {
    dir.cleanup()
  }
})

test("the session cache serves repeated reads and can be turned off", async () => {
  for (const sessionCacheBytes of [undefined, 0]) {
    const dir = tempDir()
    try {
      const db = open(dir.path, { sessionCacheBytes })
      const adapter = AuthKVAdapter({ db })
      const user = await adapter.createUser({ email: "c@example.com", emailVerified: null })
      const expires = new Date(Date.now() + 3_600_000)
      await adapter.createSession({ sessionToken: "tok", userId: user.id, expires })
      for (let i = 0; i < 5; i++) {
        assert.equal((await adapter.getSessionAndUser("tok")).user.id, user.id)
      }
      const stats = db.cacheStats()
      if (sessionCacheBytes === 0) {
        assert.equal(stats.capacityBytes, 0)
        assert.equal(stats.hits, 0)
      } else {
        assert.ok(stats.capacityBytes > 0)
        assert.ok(stats.hits >= 4, `hits ${stats.hits}`)
        assert.equal(stats.entries, 1)
      }
      db.close()
    } finally {
      dir.cleanup()
    }
  }
})

test("purgeIntervalMs removes expired sessions in the background", async () => {
  const dir = tempDir()
  try {
    const db = open(dir.path, { purgeIntervalMs: 5 })
    const adapter = AuthKVAdapter({ db })
    const user = await adapter.createUser({ email: "p@example.com", emailVerified: null })
    await adapter.createSession({ sessionToken: "old", userId: user.id, expires: new Date(Date.now() - 1000) })
    let gone = false
    for (let i = 0; i < 400 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 5))
      gone = (await adapter.deleteSession("old")) === null
      if (!gone) {
        await adapter.createSession({ sessionToken: "old", userId: user.id, expires: new Date(Date.now() - 1000) })
      }
    }
    assert.ok(gone, "the expired session was never purged")
    db.close()
  } finally {
    dir.cleanup()
  }
})
