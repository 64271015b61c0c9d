// One factory per adapter under test: each opens its real database in a
// directory of its own, creates the schema its docs prescribe, and returns
// the Auth.js adapter plus what the runner needs around it.
//
// Durability. authkv's default survives a crash of the process but not of
// the machine (its write-ahead log is not fsynced per write). The SQLite
// peers get the same guarantee: WAL with synchronous=NORMAL (SQLite's own
// advice for WAL), so the default-durability rows compare like with like;
// SQLite's out-of-the-box rollback journal with synchronous=FULL would pay
// fsyncs per commit and flatter authkv. The unstorage fs driver writes
// files without fsync. The durable rows (authkv `sync: true`, Kysely with
// synchronous=FULL) fsync every commit and are measured on writes only.
//
// Every factory returns { adapter, afterLoad?, stats?, close }:
//   afterLoad()  switches a durable row to its measured configuration once
//                the data set is in (loading 30k records with an fsync each
//                would only cost time), and returns the adapter to measure;
//   stats()      anything worth printing after the run (authkv's cache).

import { readFileSync } from "node:fs"
import { join } from "node:path"

/**
 * "name version" of an installed package, for the report. Read from the
 * file: some packages' "exports" do not expose their package.json.
 */
function version(name) {
  const file = new URL(`./node_modules/${name}/package.json`, import.meta.url)
  return `${name} ${JSON.parse(readFileSync(file, "utf8")).version}`
}

/** WAL + synchronous=NORMAL: see the durability note above. */
function walNormal(sqlite) {
  sqlite.pragma("journal_mode = WAL")
  sqlite.pragma("synchronous = NORMAL")
}

async function openSqlite(file) {
  const { default: Database } = await import("better-sqlite3")
  const sqlite = new Database(file)
  walNormal(sqlite)
  return sqlite
}

// --- authkv -------------------------------------------------------------

const AUTHKV_DIST = new URL(
  "../../bindings/node/dist/index.mjs",
  import.meta.url
)

/** The in-repository package, built (dist/) by the CMake build or npm run build. */
async function loadAuthkv() {
  try {
    return await import(AUTHKV_DIST.href)
  } catch (err) {
    throw new Error(
      `cannot load the authkv package from ${AUTHKV_DIST.pathname} ` +
        `(build it: ninja -C <build> authkv_node, or npm run build in ` +
        `bindings/node) and set AUTHKV_LIBRARY to libauthkv.so: ${err.message}`
    )
  }
}

function authkvVersion(authkv, db) {
  return `authkv ${db.version} (${process.env.AUTHKV_LIBRARY ?? "default library path"})`
}

const authkv = {
  id: "authkv",
  label: "authkv",
  backing: "authkv",
  measures: "all",
  async open(dir) {
    const lib = await loadAuthkv()
    const db = lib.open(join(dir, "authkv"))
    return {
      adapter: lib.AuthKVAdapter({ db }),
      version: authkvVersion(lib, db),
      stats: () => ({ sessionCache: db.cacheStats() }),
      close: async () => db.close(),
    }
  },
}

const authkvSync = {
  id: "authkv-sync",
  label: "authkv (sync: true)",
  backing: "authkv",
  measures: "writes",
  async open(dir) {
    const lib = await loadAuthkv()
    const path = join(dir, "authkv")
    let db = lib.open(path)
    return {
      adapter: lib.AuthKVAdapter({ db }),
      version: authkvVersion(lib, db),
      async afterLoad() {
        db.close()
        db = lib.open(path, { sync: true })
        return lib.AuthKVAdapter({ db })
      },
      close: async () => db.close(),
    }
  },
}

// --- MikroORM (the seed's adapter) --------------------------------------

const mikroOrm = {
  id: "mikro-orm",
  label: "MikroORM + better-sqlite3",
  backing: "sqlite",
  measures: "all",
  async open(dir) {
    const { MikroORM } = await import("@mikro-orm/core")
    const { BetterSqliteDriver } = await import("@mikro-orm/better-sqlite")
    const { MikroOrmAdapter, defaultEntities } =
      await import("@auth/mikro-orm-adapter")
    const { User, Account, Session, VerificationToken } = defaultEntities
    const config = () => ({
      driver: BetterSqliteDriver,
      dbName: join(dir, "mikro-orm.sqlite"),
      debug: false,
      // knex hands each new better-sqlite3 connection to afterCreate.
      pool: {
        afterCreate(conn, done) {
          walNormal(conn)
          done(null, conn)
        },
      },
    })
    // The schema generator, on the adapter's own entities (what the
    // adapter's docs prescribe: MikroORM migrations/schema tooling).
    const orm = await MikroORM.init({
      ...config(),
      entities: [User, Account, Session, VerificationToken],
    })
    await orm.schema.createSchema()
    await orm.close(true)
    const adapter = MikroOrmAdapter(config())
    return {
      adapter,
      version: [
        "@auth/mikro-orm-adapter",
        "@mikro-orm/core",
        "@mikro-orm/better-sqlite",
        "better-sqlite3",
      ]
        .map(version)
        .join(", "),
      close: () => adapter.__disconnect(),
    }
  },
}

// --- Drizzle -------------------------------------------------------------

// What drizzle-kit generates for the adapter's default SQLite tables
// (defineTables in @auth/drizzle-adapter/lib/sqlite.js).
const DRIZZLE_DDL = `
CREATE TABLE \`user\` (
  \`id\` text PRIMARY KEY NOT NULL,
  \`name\` text,
  \`email\` text,
  \`emailVerified\` integer,
  \`image\` text
);
CREATE UNIQUE INDEX \`user_email_unique\` ON \`user\` (\`email\`);
CREATE TABLE \`account\` (
  \`userId\` text NOT NULL,
  \`type\` text NOT NULL,
  \`provider\` text NOT NULL,
  \`providerAccountId\` text NOT NULL,
  \`refresh_token\` text,
  \`access_token\` text,
  \`expires_at\` integer,
  \`token_type\` text,
  \`scope\` text,
  \`id_token\` text,
  \`session_state\` text,
  PRIMARY KEY(\`provider\`, \`providerAccountId\`),
  FOREIGN KEY (\`userId\`) REFERENCES \`user\`(\`id\`) ON UPDATE no action ON DELETE cascade
);
CREATE TABLE \`session\` (
  \`sessionToken\` text PRIMARY KEY NOT NULL,
  \`userId\` text NOT NULL,
  \`expires\` integer NOT NULL,
  FOREIGN KEY (\`userId\`) REFERENCES \`user\`(\`id\`) ON UPDATE no action ON DELETE cascade
);
CREATE TABLE \`verificationToken\` (
  \`identifier\` text NOT NULL,
  \`token\` text NOT NULL,
  \`expires\` integer NOT NULL,
  PRIMARY KEY(\`identifier\`, \`token\`)
);
CREATE TABLE \`authenticator\` (
  \`credentialID\` text NOT NULL,
  \`userId\` text NOT NULL,
  \`providerAccountId\` text NOT NULL,
  \`credentialPublicKey\` text NOT NULL,
  \`counter\` integer NOT NULL,
  \`credentialDeviceType\` text NOT NULL,
  \`credentialBackedUp\` integer NOT NULL,
  \`transports\` text,
  PRIMARY KEY(\`userId\`, \`credentialID\`),
  FOREIGN KEY (\`userId\`) REFERENCES \`user\`(\`id\`) ON UPDATE no action ON DELETE cascade
);
CREATE UNIQUE INDEX \`authenticator_credentialID_unique\` ON \`authenticator\` (\`credentialID\`);
`

const drizzle = {
  id: "drizzle",
  label: "Drizzle + better-sqlite3",
  backing: "sqlite",
  measures: "all",
  async open(dir) {
    const { drizzle } = await import("drizzle-orm/better-sqlite3")
    const { DrizzleAdapter } = await import("@auth/drizzle-adapter")
    const sqlite = await openSqlite(join(dir, "drizzle.sqlite"))
    sqlite.exec(DRIZZLE_DDL)
    return {
      adapter: DrizzleAdapter(drizzle(sqlite)),
      version: ["@auth/drizzle-adapter", "drizzle-orm", "better-sqlite3"]
        .map(version)
        .join(", "),
      close: async () => sqlite.close(),
    }
  },
}

// --- Kysely --------------------------------------------------------------

/**
 * The Kysely adapter docs' migration (001_create_db.ts), in SQLite's types:
 * uuid and timestamptz become text (the adapter stores ISO strings on
 * SQLite) and gen_random_uuid() a randomblob expression. One addition: the
 * unique (provider, providerAccountId) index of Auth.js's model (Prisma's
 * @@unique), which the docs' migration leaves out; without it every
 * getUserByAccount scans the Account table.
 */
async function kyselySchema(db, sql) {
  const uuid = sql`(lower(hex(randomblob(16))))`
  await db.schema
    .createTable("User")
    .addColumn("id", "text", (c) => c.primaryKey().defaultTo(uuid))
    .addColumn("name", "text")
    .addColumn("email", "text", (c) => c.unique().notNull())
    .addColumn("emailVerified", "text")
    .addColumn("image", "text")
    .execute()
  await db.schema
    .createTable("Account")
    .addColumn("id", "text", (c) => c.primaryKey().defaultTo(uuid))
    .addColumn("userId", "text", (c) =>
      c.references("User.id").onDelete("cascade").notNull()
    )
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("providerAccountId", "text", (c) => c.notNull())
    .addColumn("refresh_token", "text")
    .addColumn("access_token", "text")
    .addColumn("expires_at", "bigint")
    .addColumn("token_type", "text")
    .addColumn("scope", "text")
    .addColumn("id_token", "text")
    .addColumn("session_state", "text")
    .execute()
  await db.schema
    .createTable("Session")
    .addColumn("id", "text", (c) => c.primaryKey().defaultTo(uuid))
    .addColumn("userId", "text", (c) =>
      c.references("User.id").onDelete("cascade").notNull()
    )
    .addColumn("sessionToken", "text", (c) => c.notNull().unique())
    .addColumn("expires", "text", (c) => c.notNull())
    .execute()
  await db.schema
    .createTable("VerificationToken")
    .addColumn("identifier", "text", (c) => c.notNull())
    .addColumn("token", "text", (c) => c.notNull().unique())
    .addColumn("expires", "text", (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex("Account_userId_index")
    .on("Account")
    .column("userId")
    .execute()
  await db.schema
    .createIndex("Session_userId_index")
    .on("Session")
    .column("userId")
    .execute()
  await db.schema
    .createIndex("Account_provider_providerAccountId_key")
    .unique()
    .on("Account")
    .columns(["provider", "providerAccountId"])
    .execute()
}

function kyselyPeer({ id, label, measures, durable }) {
  return {
    id,
    label,
    backing: "sqlite",
    measures,
    async open(dir) {
      const { SqliteDialect, sql } = await import("kysely")
      const { KyselyAdapter, KyselyAuth } = await import("@auth/kysely-adapter")
      const sqlite = await openSqlite(join(dir, `${id}.sqlite`))
      const db = new KyselyAuth({
        dialect: new SqliteDialect({ database: sqlite }),
      })
      await kyselySchema(db, sql)
      const adapter = KyselyAdapter(db)
      return {
        adapter,
        version: ["@auth/kysely-adapter", "kysely", "better-sqlite3"]
          .map(version)
          .join(", "),
        afterLoad: durable
          ? async () => {
              sqlite.pragma("synchronous = FULL")
              return adapter
            }
          : undefined,
        close: () => db.destroy(),
      }
    },
  }
}

const kysely = kyselyPeer({
  id: "kysely",
  label: "Kysely + better-sqlite3",
  measures: "all",
})

const kyselyFull = kyselyPeer({
  id: "kysely-full",
  label: "Kysely + better-sqlite3 (synchronous=FULL)",
  measures: "writes",
  durable: true,
})

// --- unstorage -----------------------------------------------------------

function unstoragePeer({ id, label, backing, driver }) {
  return {
    id,
    label,
    backing,
    measures: "all",
    async open(dir) {
      const { createStorage } = await import("unstorage")
      const { UnstorageAdapter } = await import("@auth/unstorage-adapter")
      const storage = createStorage({ driver: await driver(dir) })
      return {
        adapter: UnstorageAdapter(storage),
        version: ["@auth/unstorage-adapter", "unstorage"]
          .map(version)
          .join(", "),
        close: () => storage.dispose(),
      }
    },
  }
}

const unstorageFs = unstoragePeer({
  id: "unstorage-fs",
  label: "unstorage fs driver",
  backing: "files",
  async driver(dir) {
    const { default: fsDriver } = await import("unstorage/drivers/fs")
    return fsDriver({ base: join(dir, "unstorage") })
  },
})

const unstorageMemory = unstoragePeer({
  id: "unstorage-memory",
  label: "unstorage memory driver",
  backing: "memory",
  async driver() {
    const { default: memoryDriver } = await import("unstorage/drivers/memory")
    return memoryDriver()
  },
})

/** Every row of the report, in its order. */
export const peers = [
  authkv,
  authkvSync,
  kysely,
  kyselyFull,
  drizzle,
  mikroOrm,
  unstorageFs,
  unstorageMemory,
]
