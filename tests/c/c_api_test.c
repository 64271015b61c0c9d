/* authkv tests. Licensed under the ISC license.
 *
 * The C ABI driven from plain C11, as a C host sees it (leveldb's db/c_test.c
 * style): one realistic Auth.js flow through every function, then every bad
 * input the header promises to refuse. Each phase is printed; the first
 * failed check prints its phase and line, removes the temporary directory and
 * aborts. Records are built and read back with fb_fixtures (C++ over core's
 * codec), so assertions compare whole records as one line of text.
 *
 * Thread safety: single-threaded (the store's races are core's tests).
 */

#define _XOPEN_SOURCE 700 /* clock_gettime */

#include <authkv/authkv.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h> /* symlink */

#include "fb_fixtures.h"
#include "temp_dir.h"

/* ---- Harness ------------------------------------------------------------ */

static const char *phase = "";
static char temp_dir[4096];

static void Fail(const char *file, int line, const char *what) {
  fprintf(stderr, "%s:%d: [%s] check failed: %s\n", file, line, phase, what);
  RemoveTempDir(temp_dir);
  abort();
}

#define CheckCondition(cond)                      \
  do {                                            \
    if (!(cond)) Fail(__FILE__, __LINE__, #cond); \
  } while (0)

static void StartPhase(const char *name) {
  fprintf(stderr, "=== Test %s\n", name);
  phase = name;
}

/* Every call's errmsg goes here. It is set to a poison value first: authkv
 * must overwrite it and never free it (Convention 5), and freeing a static
 * array would abort in the allocator. */
static char *err;
static char err_poison[] = "left over from before the call";

/* Checks a call's code and its errmsg: NULL for OK and ENOTFOUND, a
 * non-empty message otherwise. Frees the message. */
static void ExpectCodeAt(const char *file, int line, const char *call, int expected, int rc) {
  char what[1024];
  if (rc != expected) {
    snprintf(what, sizeof what, "%s returned %d (%s), want %d (%s); errmsg: %s", call, rc,
             authkv_strerror(rc), expected, authkv_strerror(expected),
             err == err_poison ? "(untouched)"
             : err             ? err
                               : "(null)");
    Fail(file, line, what);
  }
  if (err == err_poison) {
    snprintf(what, sizeof what, "%s did not set errmsg", call);
    Fail(file, line, what);
  }
  if (rc == AUTHKV_OK || rc == AUTHKV_ENOTFOUND) {
    if (err != NULL) {
      snprintf(what, sizeof what, "%s: errmsg should be NULL, is \"%s\"", call, err);
      Fail(file, line, what);
    }
  } else if (err == NULL || err[0] == '\0') {
    snprintf(what, sizeof what, "%s: errmsg should hold a message", call);
    Fail(file, line, what);
  }
  authkv_free(err);
  err = NULL;
}

#define EXPECT(expected, call)                                   \
  do {                                                           \
    err = err_poison;                                            \
    ExpectCodeAt(__FILE__, __LINE__, #call, (expected), (call)); \
  } while (0)

/* A (pointer, length) pair for a string literal or variable. */
#define S(s) (s), strlen(s)

/* An output buffer that authkv must reset: it must neither free nor keep
 * this (Convention 8 says it is left {NULL, 0} on every non-OK outcome). */
static uint8_t out_poison[1];
static authkv_buf Poisoned(void) {
  authkv_buf b = {out_poison, sizeof out_poison};
  return b;
}
#define CheckEmpty(buf) CheckCondition((buf).data == NULL && (buf).size == 0)

/* A handle value authkv_open must overwrite with NULL when it fails. */
static max_align_t handle_poison;
#define POISONED_HANDLE ((authkv_db *)&handle_poison)

/* Compares the record in `out` with `want` (a fixture, consumed) as text,
 * and disposes `out`. */
static void ExpectRecordAt(const char *file, int line, authkv_buf *out, fbfx_buf want) {
  char *got_text = fbfx_describe(out->data, out->size);
  char *want_text = fbfx_describe(want.data, want.size);
  char what[4096];
  if (got_text == NULL || want_text == NULL || strcmp(got_text, want_text) != 0) {
    snprintf(what, sizeof what, "record mismatch\n  got:  %s\n  want: %s",
             got_text ? got_text : "(not a valid authkv buffer)",
             want_text ? want_text : "(bad fixture)");
    Fail(file, line, what);
  }
  fbfx_free(got_text);
  fbfx_free(want_text);
  fbfx_buf_free(&want);
  authkv_buf_dispose(out);
  if (out->data != NULL || out->size != 0) Fail(file, line, "authkv_buf_dispose did not reset");
}
#define ExpectRecord(out, want) ExpectRecordAt(__FILE__, __LINE__, (out), (want))

/* Like ExpectRecord, against a description built by the caller. */
static void ExpectTextAt(const char *file, int line, authkv_buf *out, const char *want) {
  char *got = fbfx_describe(out->data, out->size);
  char what[4096];
  if (got == NULL || strcmp(got, want) != 0) {
    snprintf(what, sizeof what, "record mismatch\n  got:  %s\n  want: %s",
             got ? got : "(not a valid authkv buffer)", want);
    Fail(file, line, what);
  }
  fbfx_free(got);
  authkv_buf_dispose(out);
}
#define ExpectText(out, want) ExpectTextAt(__FILE__, __LINE__, (out), (want))

/* The description of a fixture, consumed; release with fbfx_free. */
static char *Describe(fbfx_buf b) {
  char *text = fbfx_describe(b.data, b.size);
  CheckCondition(text != NULL);
  fbfx_buf_free(&b);
  return text;
}

static int64_t NowMs(void) {
  struct timespec ts;
  CheckCondition(clock_gettime(CLOCK_REALTIME, &ts) == 0);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void DbPath(char *dst, size_t cap, const char *name) {
  CheckCondition((size_t)snprintf(dst, cap, "%s/%s", temp_dir, name) < cap);
}

/* The records of the flow. */
#define USER_ID "u1"
#define EMAIL "ann@example.com"
#define VERIFIED_MS INT64_C(1700000000123)
#define IMAGE "https://example.com/ann.png"
#define EXPIRES_AT INT64_C(1700003600)

static fbfx_buf Ann(void) {
  return fbfx_user(USER_ID, "Ann", EMAIL, VERIFIED_MS, IMAGE, "{\"plan\":\"free\"}");
}
static fbfx_buf AnnAfterUpdate(void) {
  return fbfx_user(USER_ID, "Ann B", EMAIL, VERIFIED_MS, FBFX_NULL,
                   "{\"plan\":\"free\",\"role\":\"admin\"}");
}
static fbfx_buf Github(const char *access_token) {
  return fbfx_account(USER_ID, "oauth", "github", "gh-1", access_token, EXPIRES_AT);
}
static fbfx_buf CredA(uint64_t counter) {
  return fbfx_authenticator("cred-A", USER_ID, counter, "usb,nfc");
}
static fbfx_buf CredB(void) { return fbfx_authenticator("cred-B", USER_ID, 0, NULL); }

/* ---- Phases --------------------------------------------------------------- */

static void TestVersions(void) {
  StartPhase("versions");
  CheckCondition(authkv_abi_version() == AUTHKV_ABI_VERSION);
  CheckCondition(strcmp(authkv_version(), AUTHKV_VERSION) == 0);
  CheckCondition(strcmp(authkv_version(), AUTHKV_TEST_PROJECT_VERSION) == 0);
  {
    int major = -1, minor = -1, patch = -1;
    CheckCondition(sscanf(authkv_version(), "%d.%d.%d", &major, &minor, &patch) == 3);
    CheckCondition(major * 10000 + minor * 100 + patch == AUTHKV_VERSION_NUMBER);
  }
}

static void TestStrerror(void) {
  static const int kCodes[] = {
      AUTHKV_OK,          AUTHKV_ERROR,     AUTHKV_ENOTFOUND, AUTHKV_EEXISTS, AUTHKV_EINVALID,
      AUTHKV_ECONSTRAINT, AUTHKV_ECORRUPT,  AUTHKV_EIO,       AUTHKV_EBUSY,   AUTHKV_ENOMEM,
      AUTHKV_EVERSION,    AUTHKV_EINTERNAL, AUTHKV_ERANGE,    AUTHKV_EUNKNOWN, AUTHKV_EKEY, AUTHKV_ITEROVER};
  static const int kUnknown[] = {1, -2, -16, -30, -32, -1000, 12345};
  const size_t n = sizeof kCodes / sizeof kCodes[0];
  const char *generic;
  size_t i, j;
  StartPhase("strerror");
  generic = authkv_strerror(-1000);
  CheckCondition(generic != NULL && generic[0] != '\0');
  for (i = 0; i < sizeof kUnknown / sizeof kUnknown[0]; ++i) {
    CheckCondition(authkv_strerror(kUnknown[i]) != NULL);
    CheckCondition(strcmp(authkv_strerror(kUnknown[i]), generic) == 0);
  }
  for (i = 0; i < n; ++i) {
    const char *text = authkv_strerror(kCodes[i]);
    CheckCondition(text != NULL && text[0] != '\0');
    CheckCondition(strcmp(text, generic) != 0);
    for (j = 0; j < i; ++j) CheckCondition(strcmp(text, authkv_strerror(kCodes[j])) != 0);
  }
}

static void TestReleaseNull(void) {
  authkv_buf empty = AUTHKV_BUF_INIT;
  StartPhase("release functions accept NULL");
  authkv_free(NULL);
  authkv_buf_dispose(NULL);
  authkv_buf_dispose(&empty);
  CheckEmpty(empty);
  authkv_close(NULL);
}

static void TestOptions(void) {
  authkv_open_options opts;
  const authkv_open_options defaults = AUTHKV_OPEN_OPTIONS_INIT;
  authkv_db *db = NULL;
  char path[4200];
  StartPhase("open options");
  DbPath(path, sizeof path, "options");

  memset(&opts, 0xff, sizeof opts);
  CheckCondition(authkv_open_options_init(&opts, AUTHKV_OPEN_OPTIONS_VERSION) == AUTHKV_OK);
  CheckCondition(opts.version == defaults.version && opts.flags == defaults.flags &&
                 opts.block_cache_bytes == defaults.block_cache_bytes);
  CheckCondition(opts.version == AUTHKV_OPEN_OPTIONS_VERSION);
  CheckCondition(opts.flags == AUTHKV_OPEN_CREATE);
  CheckCondition(authkv_open_options_init(&opts, 0) == AUTHKV_EVERSION);
  CheckCondition(authkv_open_options_init(&opts, 999) == AUTHKV_EVERSION);
  CheckCondition(authkv_open_options_init(NULL, 1) == AUTHKV_EINVALID);

  opts = defaults;
  opts.version = 0;
  db = POISONED_HANDLE;
  EXPECT(AUTHKV_EVERSION, authkv_open(&db, path, &opts, &err));
  CheckCondition(db == NULL);
  opts.version = 999;
  EXPECT(AUTHKV_EVERSION, authkv_open(&db, path, &opts, &err));
  CheckCondition(db == NULL);
  opts = defaults;
  opts.flags |= 0x100u;
  EXPECT(AUTHKV_EINVALID, authkv_open(&db, path, &opts, &err));
  CheckCondition(db == NULL);
  EXPECT(AUTHKV_EINVALID, authkv_open(NULL, path, NULL, &err));
  EXPECT(AUTHKV_EINVALID, authkv_open(&db, NULL, NULL, &err));
  CheckCondition(db == NULL);
  opts = defaults;
  opts.flags = 0; /* no CREATE: the directory does not exist */
  EXPECT(AUTHKV_ENOTFOUND, authkv_open(&db, path, &opts, &err));
  CheckCondition(db == NULL);
  /* errmsg is optional everywhere. */
  CheckCondition(authkv_open(&db, path, &opts, NULL) == AUTHKV_ENOTFOUND);

  /* None of the refused calls above left anything open or locked. */
  EXPECT(AUTHKV_OK, authkv_open(&db, path, NULL, &err));
  CheckCondition(db != NULL);
  authkv_close(db);
}

/* The version 1 layout of authkv_open_options, as a caller compiled against
 * the first header has it. */
typedef struct {
  unsigned int version;
  uint32_t flags;
  uint64_t block_cache_bytes;
} OpenOptionsV1;

static void TestOptionsVersion2(void) {
  unsigned char raw[sizeof(authkv_open_options) + 16];
  OpenOptionsV1 *v1 = (OpenOptionsV1 *)(void *)raw;
  authkv_open_options opts;
  authkv_token_key keys[2];
  uint8_t old_key[32], new_key[32];
  authkv_cache_stats stats;
  authkv_db *db = NULL;
  uint64_t rewritten = 99;
  fbfx_buf user = fbfx_user("k1", NULL, "k1@example.com", FBFX_ABSENT, NULL, NULL);
  fbfx_buf account = fbfx_account("k1", "oauth", "github", "k-1", "secret-at", FBFX_ABSENT);
  authkv_buf out = AUTHKV_BUF_INIT;
  char path[4200];
  size_t i;
  StartPhase("open options version 2");
  DbPath(path, sizeof path, "options-v2");

  /* Initialising a version 1 struct writes nothing past its end. */
  memset(raw, 0xab, sizeof raw);
  CheckCondition(authkv_open_options_init((authkv_open_options *)(void *)raw, 1) == AUTHKV_OK);
  CheckCondition(v1->version == 1 && v1->flags == AUTHKV_OPEN_CREATE && v1->block_cache_bytes == 0);
  for (i = sizeof(OpenOptionsV1); i < sizeof raw; ++i) CheckCondition(raw[i] == 0xab);
  /* And a version 1 struct opens (nothing past it is read). */
  EXPECT(AUTHKV_OK, authkv_open(&db, path, (authkv_open_options *)(void *)raw, &err));
  authkv_close(db);

  memset(old_key, 'o', sizeof old_key);
  memset(new_key, 'n', sizeof new_key);
  keys[0].id = 1;
  keys[0].key = old_key;
  keys[0].key_len = sizeof old_key;
  CheckCondition(authkv_open_options_init(&opts, AUTHKV_OPEN_OPTIONS_VERSION) == AUTHKV_OK);
  opts.token_keys = keys;
  opts.token_key_count = 1;
  opts.session_cache_bytes = 1u << 20;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_cache_stats_get(&stats, db, &err));
  CheckCondition(stats.capacity_bytes > 0 && stats.capacity_bytes <= (1u << 20));
  EXPECT(AUTHKV_EINVALID, authkv_cache_stats_get(NULL, db, &err));
  EXPECT(AUTHKV_OK, authkv_user_create(NULL, db, user.data, user.size, &err));
  EXPECT(AUTHKV_OK, authkv_account_link(NULL, db, account.data, account.size, &err));
  EXPECT(AUTHKV_OK, authkv_accounts_reencrypt(&rewritten, db, &err));
  CheckCondition(rewritten == 0);
  authkv_close(db);

  /* Without the key the tokens cannot be read: a clear error. */
  EXPECT(AUTHKV_OK, authkv_open(&db, path, NULL, &err));
  EXPECT(AUTHKV_EKEY, authkv_account_get(&out, db, S("github"), S("k-1"), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_EINVALID, authkv_accounts_reencrypt(NULL, db, &err));
  authkv_close(db);

  /* Rotation: the new key first, re-encrypt, then the old key can go. */
  keys[1] = keys[0];
  keys[0].id = 2;
  keys[0].key = new_key;
  opts.token_key_count = 2;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_accounts_reencrypt(&rewritten, db, &err));
  CheckCondition(rewritten == 1);
  authkv_close(db);
  opts.token_key_count = 1;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_account_get(&out, db, S("github"), S("k-1"), &err));
  CheckCondition(out.size > 0);
  authkv_buf_dispose(&out);
  authkv_close(db);

  /* Bad keys and the cache switch. */
  keys[0].key_len = 31;
  EXPECT(AUTHKV_EINVALID, authkv_open(&db, path, &opts, &err));
  keys[0].key_len = 32;
  opts.token_keys = NULL;
  EXPECT(AUTHKV_EINVALID, authkv_open(&db, path, &opts, &err));
  opts.token_key_count = 0;
  opts.flags |= AUTHKV_OPEN_NO_SESSION_CACHE;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_cache_stats_get(&stats, db, &err));
  CheckCondition(stats.capacity_bytes == 0);
  authkv_close(db);
  opts.flags &= ~AUTHKV_OPEN_NO_SESSION_CACHE;
  opts.purge_interval_ms = -5;
  EXPECT(AUTHKV_EINVALID, authkv_open(&db, path, &opts, &err));

  fbfx_buf_free(&account);
  fbfx_buf_free(&user);
}

static authkv_db *TestOpen(const char *path) {
  authkv_open_options opts = AUTHKV_OPEN_OPTIONS_INIT;
  authkv_db *db = NULL;
  authkv_db *second = POISONED_HANDLE;
  authkv_buf out = AUTHKV_BUF_INIT;
  fbfx_buf dan = fbfx_user("u-open", "Dan", "dan@example.com", FBFX_ABSENT, NULL, NULL);
  fbfx_buf dan_again = fbfx_user("u-open2", "Dan", "DAN@example.com", FBFX_ABSENT, NULL, NULL);
  char link[4200];
  StartPhase("open");
  opts.flags |= AUTHKV_OPEN_SYNC;
  opts.block_cache_bytes = 8u << 20;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  CheckCondition(db != NULL);
  /* A second open in this process that disagrees on sync is refused... */
  EXPECT(AUTHKV_EINVALID, authkv_open(&second, path, NULL, &err));
  CheckCondition(second == NULL);
  /* ...and one through a symlink, with the same options, is another handle
     on the same store: the unique-email rule spans both handles. */
  snprintf(link, sizeof link, "%s/link-to-db", temp_dir);
  CheckCondition(symlink(path, link) == 0);
  EXPECT(AUTHKV_OK, authkv_open(&second, link, &opts, &err));
  CheckCondition(second != NULL && second != db);
  EXPECT(AUTHKV_OK, authkv_user_create(NULL, second, dan.data, dan.size, &err));
  EXPECT(AUTHKV_EEXISTS, authkv_user_create(NULL, db, dan_again.data, dan_again.size, &err));
  EXPECT(AUTHKV_OK, authkv_user_delete(&out, db, S("u-open"), &err));
  authkv_buf_dispose(&out);
  /* Each handle closes (and is freed) on its own; the first stays usable. */
  authkv_close(second);
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get(&out, db, S("u-open"), &err));
  fbfx_buf_free(&dan);
  fbfx_buf_free(&dan_again);
  return db;
}

static void TestUsers(authkv_db *db) {
  authkv_buf out = AUTHKV_BUF_INIT;
  fbfx_buf ann = Ann();
  fbfx_buf bob = fbfx_user("u2", "Bob", "bob@example.com", FBFX_NULL_I64, NULL, NULL);
  fbfx_buf ann_again = fbfx_user("u9", "Other Ann", "ANN@Example.com", FBFX_ABSENT, NULL, NULL);
  fbfx_buf patch =
      fbfx_user(USER_ID, "Ann B", NULL, FBFX_ABSENT, FBFX_NULL, "{\"role\":\"admin\"}");
  fbfx_buf carol = fbfx_user("u3", "Carol", "carol@example.com", FBFX_ABSENT, NULL, NULL);
  uint8_t *misaligned = malloc(carol.size + 1);
  StartPhase("users");

  EXPECT(AUTHKV_OK, authkv_user_create(&out, db, ann.data, ann.size, &err));
  ExpectRecord(&out, Ann());
  EXPECT(AUTHKV_OK, authkv_user_create(NULL, db, bob.data, bob.size, &err));
  out = Poisoned();
  EXPECT(AUTHKV_EEXISTS, authkv_user_create(&out, db, ann.data, ann.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_EEXISTS, authkv_user_create(NULL, db, ann_again.data, ann_again.size, &err));

  /* Hosts pass slices at any address (a Node Buffer from a pool). */
  CheckCondition(misaligned != NULL);
  memcpy(misaligned + 1, carol.data, carol.size);
  EXPECT(AUTHKV_OK, authkv_user_create(&out, db, misaligned + 1, carol.size, &err));
  ExpectRecord(&out, fbfx_user("u3", "Carol", "carol@example.com", FBFX_ABSENT, NULL, NULL));

  EXPECT(AUTHKV_OK, authkv_user_get(&out, db, S(USER_ID), &err));
  ExpectRecord(&out, Ann());
  EXPECT(AUTHKV_OK, authkv_user_get(NULL, db, S(USER_ID), &err));
  out = Poisoned();
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get(&out, db, S("nobody"), &err));
  CheckEmpty(out);
  /* Strings are (pointer, length): no NUL terminator is read. */
  EXPECT(AUTHKV_OK, authkv_user_get(&out, db, "u1-and-more", 2, &err));
  ExpectRecord(&out, Ann());

  EXPECT(AUTHKV_OK, authkv_user_get_by_email(&out, db, S("ANN@example.COM"), &err));
  ExpectRecord(&out, Ann());
  out = Poisoned();
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_email(&out, db, S("nobody@example.com"), &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_user_update(&out, db, patch.data, patch.size, &err));
  ExpectRecord(&out, AnnAfterUpdate());
  EXPECT(AUTHKV_OK, authkv_user_get(&out, db, S(USER_ID), &err));
  ExpectRecord(&out, AnnAfterUpdate());
  fbfx_buf_free(&patch);
  patch = fbfx_user("nobody", "X", NULL, FBFX_ABSENT, NULL, NULL);
  out = Poisoned();
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_update(&out, db, patch.data, patch.size, &err));
  CheckEmpty(out);
  fbfx_buf_free(&patch);
  patch = fbfx_user(USER_ID, NULL, "bob@example.com", FBFX_ABSENT, NULL, NULL);
  EXPECT(AUTHKV_EEXISTS, authkv_user_update(&out, db, patch.data, patch.size, &err));
  CheckEmpty(out);

  free(misaligned);
  fbfx_buf_free(&patch);
  fbfx_buf_free(&carol);
  fbfx_buf_free(&ann_again);
  fbfx_buf_free(&bob);
  fbfx_buf_free(&ann);
}

static void TestAccounts(authkv_db *db) {
  authkv_buf out = AUTHKV_BUF_INIT;
  fbfx_buf github = Github("at-1");
  fbfx_buf orphan = fbfx_account("nobody", "oauth", "google", "g-1", NULL, FBFX_ABSENT);
  fbfx_buf patch = fbfx_account(NULL, NULL, "github", "gh-1", "at-2", FBFX_ABSENT);
  StartPhase("accounts");

  EXPECT(AUTHKV_OK, authkv_account_link(&out, db, github.data, github.size, &err));
  ExpectRecord(&out, Github("at-1"));
  out = Poisoned();
  EXPECT(AUTHKV_EEXISTS, authkv_account_link(&out, db, github.data, github.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ECONSTRAINT, authkv_account_link(&out, db, orphan.data, orphan.size, &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_account_get(&out, db, S("github"), S("gh-1"), &err));
  ExpectRecord(&out, Github("at-1"));
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_get(&out, db, S("github"), S("gh-2"), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_OK, authkv_user_get_by_account(&out, db, S("github"), S("gh-1"), &err));
  ExpectRecord(&out, AnnAfterUpdate());
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_account(&out, db, S("gitlab"), S("gh-1"), &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_account_update(&out, db, patch.data, patch.size, &err));
  ExpectRecord(&out, Github("at-2"));
  EXPECT(AUTHKV_OK, authkv_account_get(&out, db, S("github"), S("gh-1"), &err));
  ExpectRecord(&out, Github("at-2"));
  fbfx_buf_free(&patch);
  patch = fbfx_account(NULL, NULL, "github", "gh-404", "at-3", FBFX_ABSENT);
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_update(&out, db, patch.data, patch.size, &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_account_unlink(&out, db, S("github"), S("gh-1"), &err));
  ExpectRecord(&out, Github("at-2"));
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_unlink(&out, db, S("github"), S("gh-1"), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_get(NULL, db, S("github"), S("gh-1"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_account(NULL, db, S("github"), S("gh-1"), &err));

  /* Linked again, for the cascade of authkv_user_delete. */
  EXPECT(AUTHKV_OK, authkv_account_link(NULL, db, github.data, github.size, &err));

  fbfx_buf_free(&patch);
  fbfx_buf_free(&orphan);
  fbfx_buf_free(&github);
}

static void TestSessions(authkv_db *db) {
  const int64_t expires = NowMs() + 3600 * 1000;
  authkv_buf out = AUTHKV_BUF_INIT;
  authkv_buf whole = AUTHKV_BUF_INIT;
  fbfx_buf session = fbfx_session("tok-1", USER_ID, expires);
  fbfx_buf orphan = fbfx_session("tok-x", "nobody", expires);
  fbfx_buf keep = fbfx_session("tok-2", USER_ID, expires);
  char *session_text = Describe(fbfx_session("tok-1", USER_ID, expires));
  char *user_text = Describe(AnnAfterUpdate());
  char want[2048];
  uint8_t *dst;
  size_t len = 12345;
  size_t i;
  StartPhase("sessions");

  EXPECT(AUTHKV_OK, authkv_session_create(&out, db, session.data, session.size, &err));
  ExpectRecord(&out, fbfx_session("tok-1", USER_ID, expires));
  EXPECT(AUTHKV_EEXISTS, authkv_session_create(&out, db, session.data, session.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ECONSTRAINT, authkv_session_create(&out, db, orphan.data, orphan.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_OK, authkv_session_create(NULL, db, keep.data, keep.size, &err));

  snprintf(want, sizeof want, "SessionAndUser{session=%s user=%s}", session_text, user_text);
  EXPECT(AUTHKV_OK, authkv_session_and_user_get(&whole, db, S("tok-1"), &err));
  CheckCondition(whole.data != NULL && whole.size > 0);
  EXPECT(AUTHKV_OK, authkv_session_and_user_get(&out, db, S("tok-1"), &err));
  ExpectText(&out, want);
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_and_user_get(&out, db, S("tok-404"), &err));
  CheckEmpty(out);

  /* get_into: ask for the size, retry too small, then exactly and roomy. */
  EXPECT(AUTHKV_ERANGE, authkv_session_and_user_get_into(NULL, 0, &len, db, S("tok-1"), &err));
  CheckCondition(len == whole.size);
  dst = malloc(whole.size + 16);
  CheckCondition(dst != NULL);
  memset(dst, 0xab, whole.size + 16);
  len = 0;
  EXPECT(AUTHKV_ERANGE,
         authkv_session_and_user_get_into(dst, whole.size - 1, &len, db, S("tok-1"), &err));
  CheckCondition(len == whole.size);
  for (i = 0; i < whole.size + 16; ++i) CheckCondition(dst[i] == 0xab);
  len = 0;
  EXPECT(AUTHKV_OK, authkv_session_and_user_get_into(dst, whole.size, &len, db, S("tok-1"), &err));
  CheckCondition(len == whole.size && memcmp(dst, whole.data, len) == 0);
  CheckCondition(dst[whole.size] == 0xab);
  len = 0;
  EXPECT(AUTHKV_OK,
         authkv_session_and_user_get_into(dst, whole.size + 16, &len, db, S("tok-1"), &err));
  CheckCondition(len == whole.size && memcmp(dst, whole.data, len) == 0);
  len = 12345;
  EXPECT(AUTHKV_ENOTFOUND,
         authkv_session_and_user_get_into(dst, whole.size, &len, db, S("tok-404"), &err));
  CheckCondition(len == 0);
  EXPECT(AUTHKV_EINVALID, authkv_session_and_user_get_into(NULL, 8, &len, db, S("tok-1"), &err));
  EXPECT(AUTHKV_EINVALID,
         authkv_session_and_user_get_into(dst, whole.size, NULL, db, S("tok-1"), &err));
  free(dst);
  authkv_buf_dispose(&whole);

  EXPECT(AUTHKV_OK, authkv_session_update(&out, db, S("tok-1"), expires + 1000, &err));
  ExpectRecord(&out, fbfx_session("tok-1", USER_ID, expires + 1000));
  EXPECT(AUTHKV_OK, authkv_session_update(NULL, db, S("tok-1"), expires + 2000, &err));
  fbfx_free(session_text);
  session_text = Describe(fbfx_session("tok-1", USER_ID, expires + 2000));
  snprintf(want, sizeof want, "SessionAndUser{session=%s user=%s}", session_text, user_text);
  EXPECT(AUTHKV_OK, authkv_session_and_user_get(&out, db, S("tok-1"), &err));
  ExpectText(&out, want);
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_update(&out, db, S("tok-404"), expires, &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_session_delete(&out, db, S("tok-1"), &err));
  ExpectRecord(&out, fbfx_session("tok-1", USER_ID, expires + 2000));
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_delete(&out, db, S("tok-1"), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_and_user_get(NULL, db, S("tok-1"), &err));

  fbfx_free(user_text);
  fbfx_free(session_text);
  fbfx_buf_free(&keep);
  fbfx_buf_free(&orphan);
  fbfx_buf_free(&session);
}

static void TestVerificationTokens(authkv_db *db) {
  const int64_t expires = NowMs() + 600 * 1000;
  authkv_buf out = AUTHKV_BUF_INIT;
  fbfx_buf token = fbfx_verification_token(EMAIL, "hash-1", expires);
  StartPhase("verification tokens");

  EXPECT(AUTHKV_OK, authkv_verification_token_create(&out, db, token.data, token.size, &err));
  ExpectRecord(&out, fbfx_verification_token(EMAIL, "hash-1", expires));
  EXPECT(AUTHKV_EEXISTS, authkv_verification_token_create(&out, db, token.data, token.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ENOTFOUND,
         authkv_verification_token_use(&out, db, S("eve@example.com"), S("hash-1"), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_OK, authkv_verification_token_use(&out, db, S(EMAIL), S("hash-1"), &err));
  ExpectRecord(&out, fbfx_verification_token(EMAIL, "hash-1", expires));
  out = Poisoned();
  EXPECT(AUTHKV_ENOTFOUND, authkv_verification_token_use(&out, db, S(EMAIL), S("hash-1"), &err));
  CheckEmpty(out);
  /* Single use also without an output buffer. */
  EXPECT(AUTHKV_OK, authkv_verification_token_create(NULL, db, token.data, token.size, &err));
  EXPECT(AUTHKV_OK, authkv_verification_token_use(NULL, db, S(EMAIL), S("hash-1"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_verification_token_use(NULL, db, S(EMAIL), S("hash-1"), &err));

  fbfx_buf_free(&token);
}

static void TestAuthenticators(authkv_db *db) {
  authkv_buf out = AUTHKV_BUF_INIT;
  fbfx_buf a = CredA(7);
  fbfx_buf b = CredB();
  fbfx_buf orphan = fbfx_authenticator("cred-X", "nobody", 0, NULL);
  char *a_text = Describe(CredA(8));
  char *b_text = Describe(CredB());
  char want[2048];
  StartPhase("authenticators");

  EXPECT(AUTHKV_OK, authkv_authenticator_create(&out, db, a.data, a.size, &err));
  ExpectRecord(&out, CredA(7));
  EXPECT(AUTHKV_OK, authkv_authenticator_create(NULL, db, b.data, b.size, &err));
  EXPECT(AUTHKV_EEXISTS, authkv_authenticator_create(&out, db, a.data, a.size, &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_ECONSTRAINT, authkv_authenticator_create(&out, db, orphan.data, orphan.size, &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_authenticator_get(&out, db, S("cred-A"), &err));
  ExpectRecord(&out, CredA(7));
  EXPECT(AUTHKV_ENOTFOUND, authkv_authenticator_get(&out, db, S("cred-404"), &err));
  CheckEmpty(out);

  EXPECT(AUTHKV_OK, authkv_authenticator_update_counter(&out, db, S("cred-A"), 8, &err));
  ExpectRecord(&out, CredA(8));
  EXPECT(AUTHKV_ENOTFOUND, authkv_authenticator_update_counter(&out, db, S("cred-404"), 9, &err));
  CheckEmpty(out);

  snprintf(want, sizeof want, "AuthenticatorList[%s %s]", a_text, b_text);
  EXPECT(AUTHKV_OK, authkv_authenticator_list_by_user(&out, db, S(USER_ID), &err));
  ExpectText(&out, want);
  /* An unknown user has an empty list, not ENOTFOUND. */
  EXPECT(AUTHKV_OK, authkv_authenticator_list_by_user(&out, db, S("nobody"), &err));
  ExpectText(&out, "AuthenticatorList[]");

  fbfx_free(b_text);
  fbfx_free(a_text);
  fbfx_buf_free(&orphan);
  fbfx_buf_free(&b);
  fbfx_buf_free(&a);
}

static void TestDeleteUserCascades(authkv_db *db) {
  authkv_buf out = AUTHKV_BUF_INIT;
  StartPhase("delete user cascades");

  EXPECT(AUTHKV_OK, authkv_user_delete(&out, db, S(USER_ID), &err));
  ExpectRecord(&out, AnnAfterUpdate());
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get(NULL, db, S(USER_ID), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_email(NULL, db, S(EMAIL), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_get(NULL, db, S("github"), S("gh-1"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_account(NULL, db, S("github"), S("gh-1"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_and_user_get(NULL, db, S("tok-2"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_delete(NULL, db, S("tok-2"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_authenticator_get(NULL, db, S("cred-A"), &err));
  EXPECT(AUTHKV_OK, authkv_authenticator_list_by_user(&out, db, S(USER_ID), &err));
  ExpectText(&out, "AuthenticatorList[]");
  out = Poisoned();
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_delete(&out, db, S(USER_ID), &err));
  CheckEmpty(out);
  EXPECT(AUTHKV_OK, authkv_user_delete(NULL, db, S("u3"), &err));
}

static void TestPurge(authkv_db *db) {
  const int64_t now = NowMs();
  const int64_t expires = now + 3600 * 1000;
  fbfx_buf session = fbfx_session("tok-p", "u2", expires);
  fbfx_buf token = fbfx_verification_token("bob@example.com", "hash-p", expires);
  uint64_t sessions = 99, tokens = 99;
  StartPhase("purge expired");

  EXPECT(AUTHKV_OK, authkv_session_create(NULL, db, session.data, session.size, &err));
  EXPECT(AUTHKV_OK, authkv_verification_token_create(NULL, db, token.data, token.size, &err));
  EXPECT(AUTHKV_OK, authkv_purge_expired(&sessions, &tokens, db, now, &err));
  CheckCondition(sessions == 0 && tokens == 0);
  EXPECT(AUTHKV_OK, authkv_purge_expired(&sessions, &tokens, db, expires + 1, &err));
  CheckCondition(sessions == 1 && tokens == 1);
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_delete(NULL, db, S("tok-p"), &err));
  EXPECT(AUTHKV_ENOTFOUND,
         authkv_verification_token_use(NULL, db, S("bob@example.com"), S("hash-p"), &err));

  /* The counters are optional; the purge happens either way. */
  EXPECT(AUTHKV_OK, authkv_session_create(NULL, db, session.data, session.size, &err));
  EXPECT(AUTHKV_OK, authkv_verification_token_create(NULL, db, token.data, token.size, &err));
  EXPECT(AUTHKV_OK, authkv_purge_expired(NULL, &tokens, db, expires + 1, &err));
  CheckCondition(tokens == 1);
  EXPECT(AUTHKV_OK, authkv_session_create(NULL, db, session.data, session.size, &err));
  EXPECT(AUTHKV_OK, authkv_purge_expired(NULL, NULL, db, expires + 1, &err));
  EXPECT(AUTHKV_OK, authkv_purge_expired(&sessions, NULL, db, expires + 1, &err));
  CheckCondition(sessions == 0);

  fbfx_buf_free(&token);
  fbfx_buf_free(&session);
}

/* Every function that takes a (pointer, length) string, called with a NULL
 * pointer and a non-zero length. */
static void TestNullStrings(authkv_db *db) {
  authkv_buf out;
  size_t len = 0;
  uint8_t dst[64];
  StartPhase("NULL string with a length");
#define EXPECT_NULL_STRING(call)   \
  do {                             \
    out = Poisoned();              \
    EXPECT(AUTHKV_EINVALID, call); \
    CheckEmpty(out);               \
  } while (0)
  EXPECT_NULL_STRING(authkv_user_get(&out, db, NULL, 2, &err));
  EXPECT_NULL_STRING(authkv_user_get_by_email(&out, db, NULL, 3, &err));
  EXPECT_NULL_STRING(authkv_user_get_by_account(&out, db, NULL, 1, S("gh-1"), &err));
  EXPECT_NULL_STRING(authkv_user_get_by_account(&out, db, S("github"), NULL, 1, &err));
  EXPECT_NULL_STRING(authkv_user_delete(&out, db, NULL, 2, &err));
  EXPECT_NULL_STRING(authkv_account_get(&out, db, NULL, 1, S("gh-1"), &err));
  EXPECT_NULL_STRING(authkv_account_get(&out, db, S("github"), NULL, 1, &err));
  EXPECT_NULL_STRING(authkv_account_unlink(&out, db, NULL, 1, S("gh-1"), &err));
  EXPECT_NULL_STRING(authkv_account_unlink(&out, db, S("github"), NULL, 1, &err));
  EXPECT_NULL_STRING(authkv_session_and_user_get(&out, db, NULL, 5, &err));
  EXPECT(AUTHKV_EINVALID,
         authkv_session_and_user_get_into(dst, sizeof dst, &len, db, NULL, 5, &err));
  EXPECT_NULL_STRING(authkv_session_update(&out, db, NULL, 5, 0, &err));
  EXPECT_NULL_STRING(authkv_session_delete(&out, db, NULL, 5, &err));
  EXPECT_NULL_STRING(authkv_verification_token_use(&out, db, NULL, 1, S("hash-1"), &err));
  EXPECT_NULL_STRING(authkv_verification_token_use(&out, db, S(EMAIL), NULL, 1, &err));
  EXPECT_NULL_STRING(authkv_authenticator_get(&out, db, NULL, 6, &err));
  EXPECT_NULL_STRING(authkv_authenticator_list_by_user(&out, db, NULL, 2, &err));
  EXPECT_NULL_STRING(authkv_authenticator_update_counter(&out, db, NULL, 6, 1, &err));
#undef EXPECT_NULL_STRING
  /* NULL with length 0 is the empty string, which core refuses as a key. */
  EXPECT(AUTHKV_EINVALID, authkv_user_get(&out, db, NULL, 0, &err));
  /* Over core's key limit. */
  {
    char long_id[2048];
    memset(long_id, 'x', sizeof long_id);
    EXPECT(AUTHKV_EINVALID, authkv_user_get(&out, db, long_id, sizeof long_id, &err));
  }
}

/* The functions that take a record FlatBuffer, all with one signature. */
typedef int (*RecordFn)(authkv_buf *, authkv_db *, const uint8_t *, size_t, char **);
static const struct {
  const char *name;
  RecordFn fn;
} kRecordFns[] = {
    {"authkv_user_create", authkv_user_create},
    {"authkv_user_update", authkv_user_update},
    {"authkv_account_link", authkv_account_link},
    {"authkv_account_update", authkv_account_update},
    {"authkv_session_create", authkv_session_create},
    {"authkv_verification_token_create", authkv_verification_token_create},
    {"authkv_authenticator_create", authkv_authenticator_create},
};
#define RECORD_FN_COUNT (sizeof kRecordFns / sizeof kRecordFns[0])

/* A valid buffer of the type each kRecordFns entry expects, which that
 * function accepts on the store as TestBadRecordBuffers finds it (so a bad
 * buffer wrongly let through would show up as a created record). */
static fbfx_buf ValidRecordFor(size_t i) {
  switch (i) {
    case 0: return fbfx_user("u5", "Eve", "eve@example.com", FBFX_ABSENT, NULL, NULL);
    case 1: return fbfx_user("u2", "Bobby", NULL, FBFX_ABSENT, NULL, NULL);
    case 2: return fbfx_account("u2", "oauth", "github", "gh-2", NULL, FBFX_ABSENT);
    case 3: return fbfx_account(NULL, NULL, "github", "gh-2", "at", FBFX_ABSENT);
    case 4: return fbfx_session("tok-5", "u2", NowMs() + 3600 * 1000);
    case 5: return fbfx_verification_token("bob@example.com", "hash-5", NowMs() + 60000);
    default: return fbfx_authenticator("cred-5", "u2", 0, NULL);
  }
}

/* Runs kRecordFns[i] on `data`/`size` and checks it is refused whole. */
static void ExpectRecordRefused(authkv_db *db, size_t i, const uint8_t *data, size_t size,
                                const char *what) {
  authkv_buf out = Poisoned();
  char note[256];
  err = err_poison;
  snprintf(note, sizeof note, "%s(%s, %zu bytes)", kRecordFns[i].name, what, size);
  ExpectCodeAt(__FILE__, __LINE__, note, AUTHKV_EINVALID,
               kRecordFns[i].fn(&out, db, data, size, &err));
  CheckEmpty(out);
}

static void TestBadRecordBuffers(authkv_db *db) {
  /* 4 MiB + 1, the first length refused for size alone. */
  const size_t huge_size = ((size_t)4 << 20) + 1;
  uint8_t *huge = calloc(1, huge_size);
  uint32_t seed = 12345;
  size_t i, j, n;
  StartPhase("bad record buffers");
  CheckCondition(huge != NULL);

  for (i = 0; i < RECORD_FN_COUNT; ++i) {
    fbfx_buf valid = ValidRecordFor(i);
    fbfx_buf other = ValidRecordFor((i + 2) % RECORD_FN_COUNT); /* another type */
    uint8_t garbage[512];

    ExpectRecordRefused(db, i, NULL, valid.size, "NULL");
    ExpectRecordRefused(db, i, NULL, 0, "NULL");
    ExpectRecordRefused(db, i, valid.data, 0, "empty");
    ExpectRecordRefused(db, i, valid.data, 7, "shorter than a header");
    ExpectRecordRefused(db, i, other.data, other.size, "wrong file_identifier");
    memcpy(huge, valid.data, valid.size);
    ExpectRecordRefused(db, i, huge, huge_size, "oversized");

    /* Random bytes, raw and with this type's identifier planted, so the
     * verifier (not just the identifier check) has to refuse them. */
    for (n = 0; n < 40; ++n) {
      const size_t size = 8 + n * 12;
      for (j = 0; j < size; ++j) {
        seed = seed * 1103515245u + 12345u;
        garbage[j] = (uint8_t)(seed >> 16);
      }
      ExpectRecordRefused(db, i, garbage, size, "random bytes");
      memcpy(garbage + 4, valid.data + 4, 4);
      ExpectRecordRefused(db, i, garbage, size, "random bytes with identifier");
    }

    /* The stored form of OAuth tokens is not input. */
    if (strstr(kRecordFns[i].name, "account") != NULL) {
      fbfx_buf sealed = fbfx_account_with_sealed_tokens("u2", "github", "gh-2");
      ExpectRecordRefused(db, i, sealed.data, sealed.size, "sealed_tokens set");
      fbfx_buf_free(&sealed);
    }
    fbfx_buf_free(&other);
    fbfx_buf_free(&valid);
  }
  free(huge);

  /* Nothing was created by any refused call. */
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get(NULL, db, S("u5"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_account_get(NULL, db, S("github"), S("gh-2"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_session_delete(NULL, db, S("tok-5"), &err));
  EXPECT(AUTHKV_ENOTFOUND,
         authkv_verification_token_use(NULL, db, S("bob@example.com"), S("hash-5"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_authenticator_get(NULL, db, S("cred-5"), &err));

  /* And each valid buffer is accepted, so the refusals were about the bytes,
   * not the records. */
  for (i = 0; i < RECORD_FN_COUNT; ++i) {
    fbfx_buf valid = ValidRecordFor(i);
    EXPECT(AUTHKV_OK, kRecordFns[i].fn(NULL, db, valid.data, valid.size, &err));
    fbfx_buf_free(&valid);
  }
}

/* Every prefix of a valid User buffer: refused, or (when only trailing
 * padding was cut) accepted as the very same record. Either way the store
 * ends up as before. */
static void TestTruncatedUser(authkv_db *db) {
  fbfx_buf full =
      fbfx_user("trunc", "Trudy", "trudy@example.com", VERIFIED_MS, IMAGE, "{\"k\":\"v\"}");
  authkv_buf out = AUTHKV_BUF_INIT;
  size_t len, j, accepted = 0;
  StartPhase("truncated User buffers");

  for (len = 0; len < full.size; ++len) {
    /* An exact-size copy, so a read past `len` is a read past the block. */
    uint8_t *prefix = malloc(len ? len : 1);
    int rc;
    CheckCondition(prefix != NULL);
    memcpy(prefix, full.data, len);
    out = Poisoned();
    err = err_poison;
    rc = authkv_user_create(&out, db, prefix, len, &err);
    if (rc == AUTHKV_OK) {
      CheckCondition(err == NULL);
      for (j = len; j < full.size; ++j) CheckCondition(full.data[j] == 0);
      ExpectRecord(&out, fbfx_user("trunc", "Trudy", "trudy@example.com", VERIFIED_MS, IMAGE,
                                   "{\"k\":\"v\"}"));
      EXPECT(AUTHKV_OK, authkv_user_delete(NULL, db, S("trunc"), &err));
      ++accepted;
    } else {
      ExpectCodeAt(__FILE__, __LINE__, "authkv_user_create(prefix)", AUTHKV_EINVALID, rc);
      CheckEmpty(out);
    }
    free(prefix);
  }
  fprintf(stderr, "    %zu prefixes of %zu bytes, %zu accepted (padding cut)\n", full.size,
          full.size, accepted);
  CheckCondition(accepted < 8);
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get(NULL, db, S("trunc"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_email(NULL, db, S("trudy@example.com"), &err));
  fbfx_buf_free(&full);
}

/* Every function that takes a handle, given a NULL `db`. (A closed handle
 * is freed, so passing one is undefined behaviour, not a refusal to test.) */
static void ExpectAllRefuse(authkv_db *db) {
  fbfx_buf user = fbfx_user("u7", "X", NULL, FBFX_ABSENT, NULL, NULL);
  authkv_buf out;
  uint8_t dst[64];
  size_t len = 1;
  uint64_t sessions = 1, tokens = 1;
#define EXPECT_REFUSED(call)       \
  do {                             \
    out = Poisoned();              \
    EXPECT(AUTHKV_EINVALID, call); \
    CheckEmpty(out);               \
  } while (0)
  EXPECT_REFUSED(authkv_user_create(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_user_get(&out, db, S("u2"), &err));
  EXPECT_REFUSED(authkv_user_get_by_email(&out, db, S("bob@example.com"), &err));
  EXPECT_REFUSED(authkv_user_get_by_account(&out, db, S("github"), S("gh-1"), &err));
  EXPECT_REFUSED(authkv_user_update(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_user_delete(&out, db, S("u2"), &err));
  EXPECT_REFUSED(authkv_account_link(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_account_get(&out, db, S("github"), S("gh-1"), &err));
  EXPECT_REFUSED(authkv_account_update(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_account_unlink(&out, db, S("github"), S("gh-1"), &err));
  EXPECT_REFUSED(authkv_session_create(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_session_and_user_get(&out, db, S("tok-2"), &err));
  EXPECT(AUTHKV_EINVALID,
         authkv_session_and_user_get_into(dst, sizeof dst, &len, db, S("tok-2"), &err));
  CheckCondition(len == 0);
  EXPECT_REFUSED(authkv_session_update(&out, db, S("tok-2"), 0, &err));
  EXPECT_REFUSED(authkv_session_delete(&out, db, S("tok-2"), &err));
  EXPECT_REFUSED(authkv_verification_token_create(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_verification_token_use(&out, db, S(EMAIL), S("hash-1"), &err));
  EXPECT_REFUSED(authkv_authenticator_create(&out, db, user.data, user.size, &err));
  EXPECT_REFUSED(authkv_authenticator_get(&out, db, S("cred-A"), &err));
  EXPECT_REFUSED(authkv_authenticator_list_by_user(&out, db, S("u2"), &err));
  EXPECT_REFUSED(authkv_authenticator_update_counter(&out, db, S("cred-A"), 1, &err));
  EXPECT(AUTHKV_EINVALID, authkv_purge_expired(&sessions, &tokens, db, 0, &err));
  CheckCondition(sessions == 0 && tokens == 0);
#undef EXPECT_REFUSED
  fbfx_buf_free(&user);
}

static void TestNullHandle(void) {
  StartPhase("NULL handle");
  ExpectAllRefuse(NULL);
}

/* The open flags reach the store: READONLY refuses writes, EMAIL_EXACT
 * compares emails byte for byte, and data survives a reopen. */
static void TestOpenFlags(const char *path) {
  authkv_open_options opts = AUTHKV_OPEN_OPTIONS_INIT;
  authkv_buf out = AUTHKV_BUF_INIT;
  authkv_db *db = NULL;
  fbfx_buf user = fbfx_user("u8", "Ann", "Ann@X.io", FBFX_ABSENT, NULL, NULL);
  char exact_path[4200];
  StartPhase("reopen read-only");

  opts.flags = AUTHKV_OPEN_READONLY;
  EXPECT(AUTHKV_OK, authkv_open(&db, path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_user_get(&out, db, S("u2"), &err));
  ExpectRecord(&out, fbfx_user("u2", "Bobby", "bob@example.com", FBFX_NULL_I64, NULL, NULL));
  EXPECT(AUTHKV_EINVALID, authkv_user_create(&out, db, user.data, user.size, &err));
  CheckEmpty(out);
  authkv_close(db);

  StartPhase("email exact");
  DbPath(exact_path, sizeof exact_path, "exact");
  opts.flags = AUTHKV_OPEN_CREATE | AUTHKV_OPEN_EMAIL_EXACT;
  EXPECT(AUTHKV_OK, authkv_open(&db, exact_path, &opts, &err));
  EXPECT(AUTHKV_OK, authkv_user_create(NULL, db, user.data, user.size, &err));
  EXPECT(AUTHKV_OK, authkv_user_get_by_email(NULL, db, S("Ann@X.io"), &err));
  EXPECT(AUTHKV_ENOTFOUND, authkv_user_get_by_email(NULL, db, S("ann@x.io"), &err));
  authkv_close(db);
  fbfx_buf_free(&user);
}

int main(void) {
  char path[4200];
  authkv_db *db;

  CheckCondition(MakeTempDir(temp_dir, sizeof temp_dir, "authkv-c-test") == 0);
  DbPath(path, sizeof path, "db");

  TestVersions();
  TestStrerror();
  TestReleaseNull();
  TestOptions();
  TestOptionsVersion2();
  db = TestOpen(path);
  TestUsers(db);
  TestAccounts(db);
  TestSessions(db);
  TestVerificationTokens(db);
  TestAuthenticators(db);
  TestDeleteUserCascades(db);
  TestPurge(db);
  TestNullStrings(db);
  TestBadRecordBuffers(db);
  TestTruncatedUser(db);
  TestNullHandle();
  authkv_close(db);
  TestOpenFlags(path);

  RemoveTempDir(temp_dir);
  fprintf(stderr, "PASS\n");
  return EXIT_SUCCESS;
}
