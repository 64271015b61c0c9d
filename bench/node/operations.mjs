// The measured operations, as Auth.js calls them (docs/contract.md §3.2, §3.6,
// §3.7). Each has prepare(state), which builds the call's input outside the
// timed region, and run(adapter, input), the timed part, which also checks
// the answer: a benchmark that times fast "not found" answers proves
// nothing, so a wrong or null answer counts as a failure and fails the run.

/** The next record to look up, in the data set's shared random order. */
function nextRecord(state) {
  const { order, records } = state.data
  return records[order[state.cursor++ % order.length]]
}

/** A first OAuth sign-in's writes, in Auth.js's order (docs/contract.md §3.6). */
async function signIn(adapter, { user, account, session }) {
  const created = await adapter.createUser(user)
  await adapter.linkAccount({ ...account, userId: created.id })
  await adapter.createSession({ ...session, userId: created.id })
  return typeof created.id === "string"
}

const CONCURRENT = 8

export const operations = [
  {
    id: "getSessionAndUser",
    label: "getSessionAndUser",
    what: "the session read of every authenticated request, by random token",
    kind: "read",
    prepare: nextRecord,
    async run(adapter, rec) {
      const found = await adapter.getSessionAndUser(rec.session.sessionToken)
      return found !== null && found.user.email === rec.user.email
    },
  },
  {
    id: "getUserByEmail",
    label: "getUserByEmail",
    what: "email sign-in, and OAuth first sign-in, by random email",
    kind: "read",
    prepare: nextRecord,
    async run(adapter, rec) {
      const user = await adapter.getUserByEmail(rec.user.email)
      return user !== null && user.email === rec.user.email
    },
  },
  {
    id: "getUserByAccount",
    label: "getUserByAccount",
    what: "every OAuth callback (twice), by random provider account",
    kind: "read",
    prepare: nextRecord,
    async run(adapter, rec) {
      const { provider, providerAccountId } = rec.account
      const user = await adapter.getUserByAccount({
        provider,
        providerAccountId,
      })
      return user !== null && user.email === rec.user.email
    },
  },
  {
    id: "signIn",
    label: "sign-in writes",
    what: "createUser + linkAccount + createSession, a first OAuth sign-in",
    kind: "write",
    prepare: (state) => state.writes.signIn(),
    run: signIn,
  },
  {
    // Group commit: with an fsync per commit, do concurrent sign-ins share
    // fsyncs? Measured on the durable rows only; ops/s counts sign-ins, the
    // latencies are those of a whole batch.
    id: "signInConcurrent",
    label: `sign-in writes, ${CONCURRENT} at once`,
    what: `${CONCURRENT} first sign-ins in flight together, fsync per commit`,
    kind: "write",
    durableOnly: true,
    perRun: CONCURRENT,
    prepare: (state) =>
      Array.from({ length: CONCURRENT }, () => state.writes.signIn()),
    async run(adapter, batch) {
      const done = await Promise.all(
        batch.map((records) => signIn(adapter, records))
      )
      return done.every(Boolean)
    },
  },
  {
    id: "verificationToken",
    label: "verification token",
    what: "createVerificationToken + useVerificationToken, a magic link",
    kind: "write",
    prepare: (state) => state.writes.verificationToken(),
    async run(adapter, token) {
      await adapter.createVerificationToken(token)
      const used = await adapter.useVerificationToken({
        identifier: token.identifier,
        token: token.token,
      })
      return used !== null && used.token === token.token
    },
  },
]

/**
 * The harness's own cost: an async call that does nothing, timed the same
 * way. Read the fastest rows against it.
 */
export const harnessFloor = {
  id: "noop",
  label: "empty async call",
  kind: "read",
  prepare: () => null,
  async run(adapter) {
    return adapter.noop()
  },
}

export const noopAdapter = {
  async noop() {
    return true
  },
}
