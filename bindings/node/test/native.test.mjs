// The FFI layer and the codec: ABI version check, error codes against the
// C header, library lookup, buffer ownership paths (the hot read's retry on
// AUTHKV_ERANGE), and the FlatBuffers runtime pinned to flatc 2.0.8's output.

import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { describe, it } from "node:test"
import { fileURLToPath } from "node:url"
import * as flatbuffers from "flatbuffers"
import {
  ABI_VERSION,
  AuthKVAdapter,
  AuthKVError,
  checkAbiVersion,
  open,
} from "authkv"
import codec from "../dist/codec.js"
import errors from "../dist/errors.js"
import nativeModule from "../dist/native.js"
import { tempDir } from "./helpers.mjs"

const here = dirname(fileURLToPath(import.meta.url))
const header = readFileSync(
  resolve(here, "..", "..", "c", "include", "authkv", "authkv.h"),
  "utf8"
)
const require = createRequire(import.meta.url)

describe("ABI version", () => {
  it("checkAbiVersion accepts the expected version", () => {
    checkAbiVersion(ABI_VERSION)
    checkAbiVersion(7, 7)
  })

  it("checkAbiVersion refuses another version with EVERSION", () => {
    assert.throws(
      () => checkAbiVersion(ABI_VERSION + 1, ABI_VERSION, "/x/libauthkv.so"),
      (err) => {
        assert.ok(err instanceof AuthKVError)
        assert.equal(err.code, "EVERSION")
        assert.match(
          err.message,
          /\/x\/libauthkv\.so speaks C ABI version 2.*needs version 1/
        )
        return true
      }
    )
    assert.throws(() => checkAbiVersion(0), { code: "EVERSION" })
  })

  it("the binding's ABI_VERSION is the header's AUTHKV_ABI_VERSION", () => {
    const m = header.match(/#define AUTHKV_ABI_VERSION (\d+)/)
    assert.ok(m)
    assert.equal(ABI_VERSION, Number(m[1]))
  })

  it("the loaded library reports the same ABI version", () => {
    const lib = nativeModule.loadLibrary()
    assert.equal(lib.fns.abiVersion(), ABI_VERSION)
    assert.match(lib.version, /^\d+\.\d+\.\d+$/)
  })
})

describe("error codes", () => {
  it("every authkv_code of the header has the same value and name here", () => {
    const body = header.match(
      /typedef enum authkv_code \{([\s\S]*?)\} authkv_code;/
    )[1]
    const entries = [...body.matchAll(/AUTHKV_([A-Z]+)\s*=\s*(-?\d+)/g)]
    assert.ok(entries.length >= 14)
    for (const [, name, value] of entries) {
      assert.equal(errors.Code[name], Number(value), name)
      if (name !== "OK")
        assert.equal(errors.codeName(Number(value)), name)
    }
  })

  it("an unknown negative code is ERROR", () => {
    assert.equal(errors.codeName(-99), "ERROR")
  })

  it("a malformed buffer is EINVALID with the library's message", () => {
    const dir = tempDir()
    try {
      const db = open(dir.path)
      const native = nativeModule.nativeHandles.get(db)
      for (const bytes of [
        new Uint8Array(0),
        new Uint8Array(3),
        Buffer.from("not a flatbuffer"),
      ]) {
        assert.throws(
          () => native.userCreate(bytes),
          (err) => {
            assert.ok(err instanceof AuthKVError)
            assert.equal(err.code, "EINVALID")
            assert.equal(err.errno, -5)
            assert.match(err.message, /^authkv: createUser: .+/)
            return true
          }
        )
      }
      // A Session buffer where a User is expected fails its identifier check.
      const b = new flatbuffers.Builder(64)
      const session = codec.encodeSession(b, {
        sessionToken: "t",
        userId: "u",
        expires: new Date(),
      })
      assert.throws(() => native.userCreate(session.slice()), {
        code: "EINVALID",
      })
      db.close()
    } finally {
      dir.cleanup()
    }
  })
})

describe("library lookup", () => {
  it("tries the option, else $AUTHKV_LIBRARY, else native/ and the repository build", () => {
    assert.deepEqual(nativeModule.libraryCandidates("/opt/lib/libauthkv.so"), [
      "/opt/lib/libauthkv.so",
    ])
    const saved = process.env.AUTHKV_LIBRARY
    try {
      process.env.AUTHKV_LIBRARY = "/env/libauthkv.so"
      assert.deepEqual(nativeModule.libraryCandidates(), ["/env/libauthkv.so"])
      delete process.env.AUTHKV_LIBRARY
      const root = resolve(here, "..")
      assert.deepEqual(nativeModule.libraryCandidates(), [
        join(root, "native", "libauthkv.so"),
        join(root, "..", "..", "build", "bindings", "c", "libauthkv.so"),
      ])
    } finally {
      if (saved === undefined) delete process.env.AUTHKV_LIBRARY
      else process.env.AUTHKV_LIBRARY = saved
    }
  })
})

describe("buffers", () => {
  it("the hot read grows its reused buffer for a large record (AUTHKV_ERANGE retry)", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      const big = "x".repeat(200_000)
      const u = await adapter.createUser({
        email: "big@example.com",
        emailVerified: null,
        bio: big,
      })
      const small = await adapter.createUser({
        email: "small@example.com",
        emailVerified: null,
      })
      const expires = new Date(Date.now() + 60_000)
      await adapter.createSession({
        sessionToken: "big",
        userId: u.id,
        expires,
      })
      await adapter.createSession({
        sessionToken: "small",
        userId: small.id,
        expires,
      })
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await adapter.getSessionAndUser("small")).user.id,
          small.id
        )
        const got = await adapter.getSessionAndUser("big")
        assert.equal(got.user.bio.length, big.length)
        assert.deepEqual(got.session, {
          sessionToken: "big",
          userId: u.id,
          expires,
        })
      }
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("UTF-8 keys and values round-trip with their byte lengths", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      const u = await adapter.createUser({
        email: "zoë.ümlaut@exämple.com",
        emailVerified: null,
        name: "Zoë 🚀 李",
      })
      assert.deepEqual(
        await adapter.getUserByEmail("zoë.ümlaut@exämple.com"),
        u
      )
      assert.equal(u.name, "Zoë 🚀 李")
      await adapter.createSession({
        sessionToken: "tök-🚀",
        userId: u.id,
        expires: new Date(Date.now() + 60_000),
      })
      assert.equal(
        (await adapter.getSessionAndUser("tök-🚀")).user.name,
        "Zoë 🚀 李"
      )
      assert.equal(await adapter.getSessionAndUser("tök-"), null)
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })

  it("non-string keys are refused before reaching the library", async () => {
    const dir = tempDir()
    try {
      const adapter = AuthKVAdapter({ path: dir.path })
      await assert.rejects(adapter.getUser(42), { code: "EINVALID" })
      // A cookie is what the browser sent: no session, not an error.
      assert.equal(await adapter.getSessionAndUser(undefined), null)
      await assert.rejects(
        adapter.createUser({ email: "a@b.c", emailVerified: new Date(NaN) }),
        { code: "EINVALID" }
      )
      await assert.rejects(adapter.createUser({ email: "a@b.c", big: 1n }), {
        code: "EINVALID",
      })
      adapter.close()
    } finally {
      dir.cleanup()
    }
  })
})

describe("FlatBuffers runtime pinned to flatc 2.0.8", () => {
  it("the flatbuffers package is the 2.0.x runtime and the codegen expects flatc 2.0.8", () => {
    const { version } = require("flatbuffers/package.json")
    assert.match(version, /^2\.0\.\d+$/)
    const script = readFileSync(
      resolve(here, "..", "scripts", "codegen.mjs"),
      "utf8"
    )
    assert.match(script, /EXPECTED_FLATC = "2\.0\.8"/)
  })

  it("every table round-trips through the generated code and the runtime", () => {
    const b = new flatbuffers.Builder(256)
    const user = {
      id: "u1",
      name: null,
      email: "a@example.com",
      emailVerified: new Date(-1),
      role: "admin",
      at: new Date(8.64e15),
    }
    assert.deepEqual(codec.decodeUser(codec.encodeUser(b, user).slice()), user)
    const account = {
      userId: "u1",
      type: "oidc",
      provider: "p",
      providerAccountId: "1",
      expires_at: Number.MAX_SAFE_INTEGER,
      refresh_token: null,
      scope: "",
    }
    assert.deepEqual(
      codec.decodeAccount(codec.encodeAccount(b, account).slice()),
      account
    )
    const negative = { ...account, expires_at: -Number.MAX_SAFE_INTEGER }
    assert.deepEqual(
      codec.decodeAccount(codec.encodeAccount(b, negative).slice()),
      negative
    )
    const session = { sessionToken: "t", userId: "u1", expires: new Date(1) }
    assert.deepEqual(
      codec.decodeSession(codec.encodeSession(b, session).slice()),
      session
    )
    const vt = { identifier: "i", token: "t", expires: new Date(2 ** 41) }
    assert.deepEqual(
      codec.decodeVerificationToken(
        codec.encodeVerificationToken(b, vt).slice()
      ),
      vt
    )
    const authenticator = {
      credentialID: "c",
      userId: "u1",
      providerAccountId: "c",
      credentialPublicKey: "k",
      counter: Number.MAX_SAFE_INTEGER,
      credentialBackedUp: false,
      credentialDeviceType: "singleDevice",
      transports: null,
    }
    assert.deepEqual(
      codec.decodeAuthenticator(
        codec.encodeAuthenticator(b, authenticator).slice()
      ),
      authenticator
    )
  })

  it("a buffer with the wrong identifier is reported as ECORRUPT", () => {
    const b = new flatbuffers.Builder(64)
    const session = codec.encodeSession(b, {
      sessionToken: "t",
      userId: "u",
      expires: new Date(),
    })
    assert.throws(() => codec.decodeUser(session.slice()), { code: "ECORRUPT" })
  })
})

describe("lifetimes", () => {
  it("a database dropped without close() is closed when garbage-collected", () => {
    const dir = tempDir()
    try {
      const script = `
        const { open } = require("authkv")
        const path = ${JSON.stringify(dir.path)}
        ;(() => { open(path) })()
        let busy = true
        try { open(path) } catch (e) { busy = e.code === "EBUSY" }
        if (!busy) throw new Error("the second open should be EBUSY")
        globalThis.gc()
        setTimeout(() => {
          globalThis.gc()
          setTimeout(() => { open(path).close(); console.log("reopened") }, 50)
        }, 50)
      `
      const run = spawnSync(process.execPath, ["--expose-gc", "-e", script], {
        cwd: resolve(here, ".."),
        encoding: "utf8",
      })
      assert.equal(run.status, 0, run.stderr)
      assert.match(run.stdout, /reopened/)
    } finally {
      dir.cleanup()
    }
  })

  it("an open database is closed at process exit", () => {
    const dir = tempDir()
    try {
      const script = `
        const { AuthKVAdapter } = require("authkv")
        const adapter = AuthKVAdapter({ path: ${JSON.stringify(dir.path)} })
        adapter.createUser({ email: "exit@example.com" }).then(() => process.exit(0))
      `
      const run = spawnSync(process.execPath, ["-e", script], {
        cwd: resolve(here, ".."),
        encoding: "utf8",
      })
      assert.equal(run.status, 0, run.stderr)
      const db = open(dir.path)
      const native = nativeModule.nativeHandles.get(db)
      assert.notEqual(native.userGetByEmail("exit@example.com"), null)
      db.close()
    } finally {
      dir.cleanup()
    }
  })
})
