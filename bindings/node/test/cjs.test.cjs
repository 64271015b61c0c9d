// The CommonJS entry: require("authkv") works and is the very same module
// instance as the ES module entry (one AuthKVError class, one native state).

const assert = require("node:assert/strict")
const { test } = require("node:test")
const authkv = require("authkv")
const { tempDir } = require("./helpers.cjs")

test("require('authkv') and import('authkv') give the same objects", async () => {
  const esm = await import("authkv")
  for (const name of [
    "AuthKVAdapter",
    "AuthKVError",
    "open",
    "defaultOptions",
    "checkAbiVersion",
  ]) {
    assert.equal(esm[name], authkv[name], name)
  }
  assert.equal(esm.default, authkv.AuthKVAdapter)
  assert.equal(authkv.default, authkv.AuthKVAdapter)
})

test("the adapter works from CommonJS", async () => {
  const dir = tempDir()
  try {
    const adapter = authkv.AuthKVAdapter({ path: dir.path })
    const user = await adapter.createUser({
      email: "cjs@example.com",
      emailVerified: null,
    })
    assert.deepEqual(await adapter.getUserByEmail("cjs@example.com"), user)
    await assert.rejects(
      adapter.createUser({ email: "cjs@example.com" }),
      authkv.AuthKVError
    )
    adapter.close()
  } finally {
    dir.cleanup()
  }
})
