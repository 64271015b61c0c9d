// The benchmark's data: N users, each with one OAuth account and one
// session, and the inputs of every measured call. Everything comes from one
// seeded PRNG, so every adapter gets the same records and the same random
// lookup order, and two runs with the same seed do the same work. Only the
// dates move with the clock: sessions must expire in the future, or stores
// that hide expired sessions (authkv does) would answer null.

const DAY_MS = 86_400_000

/** mulberry32: tiny, fast, and good enough to pick keys. */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HEX = "0123456789abcdef"

function hex(rand, n) {
  let s = ""
  for (let i = 0; i < n; i++) s += HEX[(rand() * 16) | 0]
  return s
}

/** A version-4-shaped UUID, like crypto.randomUUID(), but reproducible. */
export function uuid(rand) {
  const h = hex(rand, 32)
  const variant = HEX[8 + ((rand() * 4) | 0)]
  return flat(
    `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-` +
      `${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
  )
}

/**
 * A flat (sequential) copy of a string built by concatenation. Real tokens
 * and emails arrive flat (parsed from a cookie or a request); V8's
 * concatenation trees ("cons strings") would give every adapter an extra
 * flattening step that a server never pays.
 */
function flat(s) {
  return Buffer.from(s, "utf8").toString("utf8")
}

function pad(i) {
  return String(i).padStart(7, "0")
}

/**
 * What Auth.js passes on a first OAuth sign-in (docs/contract.md §3.6): the
 * profile with a fresh id and `emailVerified: null`, GitHub's default
 * account fields, and a session of `maxAge` (30 days).
 */
function signInRecords(rand, tag, now) {
  return {
    user: {
      id: uuid(rand),
      name: flat(`User ${tag}`),
      email: flat(`user-${tag}@example.com`),
      image: flat(`https://avatars.example.com/u/${tag}.png`),
      emailVerified: null,
    },
    account: {
      type: "oauth",
      provider: "github",
      providerAccountId: flat(`gh-${tag}`),
      access_token: flat(`gho_${hex(rand, 36)}`),
      token_type: "bearer",
      scope: "read:user,user:email",
    },
    session: {
      sessionToken: uuid(rand),
      expires: new Date(now + 30 * DAY_MS),
    },
  }
}

/**
 * The data set: `users` records to load (user, account, session each) and
 * `order`, a random sequence of indices into them for the lookups.
 */
export function makeDataset({ users, seed = 5, lookups = 1 << 16 }) {
  const rand = prng(seed)
  const now = Math.floor(Date.now() / 1000) * 1000
  const records = []
  for (let i = 0; i < users; i++) {
    records.push(signInRecords(rand, pad(i), now))
  }
  const order = new Uint32Array(lookups)
  for (let i = 0; i < lookups; i++) order[i] = (rand() * users) | 0
  return { users, seed, now, records, order }
}

/**
 * Inputs for the write benchmarks, from their own seeded stream so they do
 * not depend on N. `stream` names it (peer and operation) and prefixes
 * every tag, so emails and provider account ids never repeat within one
 * database, whichever operations write to it.
 */
export function writeInputs(seed, stream) {
  let h = seed >>> 0
  for (const c of stream) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0
  const rand = prng(h)
  const now = Date.now()
  const prefix = stream.replace(/[^A-Za-z0-9]+/g, "-")
  let n = 0
  return {
    /** The records of the next first-time OAuth sign-in. */
    signIn() {
      return signInRecords(rand, `${prefix}-${pad(n++)}`, now)
    },
    /** The next email verification token (the stored SHA-256 hex). */
    verificationToken() {
      return {
        identifier: flat(`verify-${prefix}-${pad(n++)}@example.com`),
        token: flat(hex(rand, 64)),
        expires: new Date(now + DAY_MS),
      }
    },
  }
}
