/* authkv: embedded auth-data store. Licensed under the ISC license.
 *
 * The stable C ABI of authkv, for any runtime that can call C (Node through
 * koffi, Python through ctypes, Go through cgo, ...). Pure C99; this is the
 * only public C header.
 *
 * Conventions
 * ===========
 * 1. Every symbol starts with authkv_, every macro and constant with AUTHKV_.
 *    Functions are named authkv_<noun>_<verb>.
 * 2. Handles are opaque. authkv_db is one open database. A handle is valid
 *    from the authkv_open that made it until authkv_close, which frees it:
 *    using a handle after closing it, or closing it twice, is undefined
 *    behaviour (a debug build of authkv asserts while the freed memory has
 *    not been reused; a release build cannot tell).
 * 3. Every function that can fail returns int: AUTHKV_OK (0) or a negative
 *    authkv_code. AUTHKV_ENOTFOUND is an ordinary outcome (the record does
 *    not exist), not a failure. Codes are never renumbered; new ones are only
 *    appended, so treat an unknown negative code as AUTHKV_ERROR.
 * 4. Output parameters come first; the optional error message comes last.
 * 5. Error text is per call: if `errmsg` is not NULL, *errmsg is set to NULL
 *    on success and for AUTHKV_ENOTFOUND, and otherwise to a NUL-terminated
 *    message that the caller frees with authkv_free(). authkv never reads or
 *    frees what *errmsg held before. authkv_strerror() gives static text for
 *    any code.
 * 6. Records cross the ABI as FlatBuffers of the schemas in schema/ (one
 *    .fbs file per record, namespace authkv.schema), in both directions.
 *    Every input buffer is checked with the FlatBuffers verifier and its
 *    file_identifier before it is read; a buffer that fails is
 *    AUTHKV_EINVALID and changes nothing.
 *    Strings (ids, tokens, emails) are passed as (pointer, length) pairs and
 *    need no NUL terminator.
 * 7. Ownership is stated per function in one of three words:
 *    - owned: the caller releases it with the named function;
 *    - borrowed: valid until the named event;
 *    - static: never freed.
 *    An authkv_buf filled by authkv is owned by the caller and released with
 *    authkv_buf_dispose() (which is authkv_free(buf->data) plus a reset).
 *    Every release function accepts NULL.
 * 8. Output buffers are optional: pass NULL for `out` when the result is not
 *    needed (it saves encoding it). On any outcome other than AUTHKV_OK an
 *    output buffer is left empty ({NULL, 0}).
 * 9. Options structs are versioned: initialise with AUTHKV_OPEN_OPTIONS_INIT
 *    or authkv_open_options_init(); fields are only ever appended.
 * 10. Thread safety: one authkv_db may be used from any number of threads at
 *    once, except authkv_close(), which must not run concurrently with any
 *    other call on the same handle.
 * 11. No C++ exception ever crosses this ABI; allocation failure is
 *    AUTHKV_ENOMEM.
 */

#ifndef AUTHKV_AUTHKV_H_
#define AUTHKV_AUTHKV_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define AUTHKV_API __declspec(dllexport)
#elif defined(__GNUC__)
#define AUTHKV_API __attribute__((visibility("default")))
#else
#define AUTHKV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version: bumped only when an existing signature or struct layout
 *  changes incompatibly (which the rules above avoid). Bindings compare it
 *  with authkv_abi_version() at load time. */
#define AUTHKV_ABI_VERSION 1
/** The library version, "major.minor.patch". */
#define AUTHKV_VERSION "0.1.0"
/** The library version as major * 10000 + minor * 100 + patch. */
#define AUTHKV_VERSION_NUMBER 100

/** Result codes. */
typedef enum authkv_code {
  AUTHKV_OK = 0,           /**< Success. */
  AUTHKV_ERROR = -1,       /**< Unspecified error (and any unknown code). */
  AUTHKV_ENOTFOUND = -3,   /**< The record does not exist (or expired). */
  AUTHKV_EEXISTS = -4,     /**< A unique key (email, token, ...) is taken. */
  AUTHKV_EINVALID = -5,    /**< Bad argument, NULL pointer, or a FlatBuffer
                                that fails verification. */
  AUTHKV_ECONSTRAINT = -6, /**< The record refers to a user that does not exist; or
                                (authkv_open) an upgrade found users whose emails would
                                become one address. */
  AUTHKV_ECORRUPT = -7,    /**< Stored data failed its checksum or verifier. */
  AUTHKV_EIO = -8,         /**< The file system failed. */
  AUTHKV_EBUSY = -9,       /**< The database is locked by another process. */
  AUTHKV_ENOMEM = -10,     /**< Allocation failed. */
  AUTHKV_EVERSION = -11,   /**< Database or options newer than this library. */
  AUTHKV_EINTERNAL = -12,  /**< A bug in authkv. */
  AUTHKV_ERANGE = -13,     /**< A caller-provided buffer is too small. */
  AUTHKV_EUNKNOWN = -14,   /**< A write may or may not have been applied (its
                                commit failed after reaching the log, e.g. a
                                failed fsync): read before retrying. */
  AUTHKV_EKEY = -15,       /**< A token key the record was sealed with is not
                                configured (AUTHKV token_keys). */
  AUTHKV_ITEROVER = -31    /**< Reserved: an iteration has ended. */
} authkv_code;

/** One open database. Opaque. */
typedef struct authkv_db authkv_db;

/** A buffer filled by authkv: owned by the caller, released with
 *  authkv_buf_dispose(). Initialise with AUTHKV_BUF_INIT. */
typedef struct authkv_buf {
  uint8_t *data;
  size_t size;
} authkv_buf;
#define AUTHKV_BUF_INIT {NULL, 0}

/** Create the database if it does not exist. */
#define AUTHKV_OPEN_CREATE 0x1u
/** Open read-only: every write returns AUTHKV_EINVALID. Only for a database
 *  no other process has open for writing. */
#define AUTHKV_OPEN_READONLY 0x2u
/** fsync before acknowledging each write (survives power loss, not only a
 *  process crash). Concurrent writers share fsyncs. */
#define AUTHKV_OPEN_SYNC 0x4u
/** New databases only: compare emails byte for byte instead of ignoring
 *  ASCII case. An existing database keeps the mode it was created with. */
#define AUTHKV_OPEN_EMAIL_EXACT 0x8u
/** (Options version 2.) Turn off the in-memory session cache that serves
 *  authkv_session_and_user_get from memory. */
#define AUTHKV_OPEN_NO_SESSION_CACHE 0x10u

/** An app-supplied key for encrypting OAuth tokens at rest (AES-256-GCM). */
typedef struct authkv_token_key {
  uint32_t id;        /**< Stored with each sealed record to find the key again. */
  const uint8_t *key; /**< Borrowed for the duration of authkv_open. */
  size_t key_len;     /**< Must be 32. */
} authkv_token_key;

#define AUTHKV_OPEN_OPTIONS_VERSION 2

/** Options for authkv_open(). Version 1 callers pass a struct that ends
 *  after block_cache_bytes; authkv reads no field past their version. */
typedef struct authkv_open_options {
  unsigned int version;       /**< AUTHKV_OPEN_OPTIONS_VERSION. */
  uint32_t flags;             /**< AUTHKV_OPEN_* bits. Default: CREATE. */
  uint64_t block_cache_bytes; /**< RocksDB block cache; 0: 128 MiB. */
  /* Version 2. */
  uint64_t session_cache_bytes; /**< Session cache; 0: 128 MiB (see also
                                     AUTHKV_OPEN_NO_SESSION_CACHE). */
  int64_t purge_interval_ms;    /**< Purge expired sessions and tokens on a
                                     background thread this often; 0: never. */
  const authkv_token_key *token_keys; /**< Encrypt accounts' access, refresh
                                     and id tokens: the first key seals, every
                                     key opens (rotation). Borrowed during
                                     authkv_open. NULL: no encryption. */
  size_t token_key_count;       /**< Entries in token_keys. */
} authkv_open_options;

#define AUTHKV_OPEN_OPTIONS_INIT \
  {AUTHKV_OPEN_OPTIONS_VERSION, AUTHKV_OPEN_CREATE, 0, 0, 0, NULL, 0}

/** Initialise `opts` to the defaults of options version `version`, writing
 *  only the fields that version has.
 *  @return AUTHKV_OK; AUTHKV_EINVALID if opts is NULL; AUTHKV_EVERSION if
 *          version is 0 or newer than AUTHKV_OPEN_OPTIONS_VERSION. */
AUTHKV_API int authkv_open_options_init(authkv_open_options *opts, unsigned int version);

/** Open (or create) the database in directory `path`.
 *
 *  A directory is open at most once per process. Opening one that this
 *  process has open already, under any spelling of its path (relative,
 *  absolute, trailing slash, symlink), gives another handle on the same
 *  open store; each handle is closed on its own with authkv_close, and the
 *  last one closes the database. Such an open returns AUTHKV_EINVALID, with
 *  a message naming the option, if it disagrees with the first on READONLY,
 *  SYNC, EMAIL_EXACT or token_keys; cache sizes and purge_interval_ms are
 *  the first open's.
 *
 *  @param[out] out  receives the handle (owned; release with authkv_close)
 *  @param path      NUL-terminated directory path
 *  @param opts      NULL for defaults
 *  @param[out] errmsg optional; see Conventions (5)
 *  @return AUTHKV_OK; AUTHKV_ENOTFOUND (no database and no CREATE flag);
 *          AUTHKV_EBUSY (open in another process; the message names
 *          its pid, and a second line "cause: ..." RocksDB's text); AUTHKV_EVERSION (written by
 *          a newer authkv, or opts->version unknown, or an older one opened
 *          READONLY, which cannot upgrade it); AUTHKV_ECONSTRAINT (upgrading an
 *          older database would merge users whose emails now compare equal; the
 *          message names them and nothing was changed); AUTHKV_EINVALID (not an
 *          authkv directory, bad arguments); AUTHKV_ECORRUPT; AUTHKV_EIO. */
AUTHKV_API int authkv_open(authkv_db **out, const char *path,
                           const authkv_open_options *opts, char **errmsg);

/** Close the handle and free it; closing the last handle on a directory
 *  closes the database. NULL is a no-op. After this call `db` is freed:
 *  passing it to any function again, authkv_close included, is undefined
 *  behaviour (Conventions (2)).
 *  REQUIRES: no other call on this handle is running. */
AUTHKV_API void authkv_close(authkv_db *db);

/* ---- Users -------------------------------------------------------------- */

/** Store a new user (a User FlatBuffer; an empty id gets a UUIDv7).
 *  @param[out] out optional; the stored User (owned)
 *  @return AUTHKV_OK; AUTHKV_EEXISTS (id or email taken); AUTHKV_EINVALID. */
AUTHKV_API int authkv_user_create(authkv_buf *out, authkv_db *db, const uint8_t *user,
                                  size_t user_len, char **errmsg);

/** @param[out] out optional; the User (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_user_get(authkv_buf *out, authkv_db *db, const char *id,
                               size_t id_len, char **errmsg);

/** Find a user by email (ASCII case ignored unless the database was created
 *  with AUTHKV_OPEN_EMAIL_EXACT).
 *  @param[out] out optional; the User (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_user_get_by_email(authkv_buf *out, authkv_db *db, const char *email,
                                        size_t email_len, char **errmsg);

/** Find the user linked to a provider account.
 *  @param[out] out optional; the User (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_user_get_by_account(authkv_buf *out, authkv_db *db,
                                          const char *provider, size_t provider_len,
                                          const char *provider_account_id,
                                          size_t provider_account_id_len, char **errmsg);

/** Merge a patch (a User FlatBuffer with `id` set): unset fields are kept,
 *  set or null fields replace, extra_json keys are merged.
 *  @param[out] out optional; the whole updated User (owned)
 *  @return AUTHKV_OK; AUTHKV_ENOTFOUND; AUTHKV_EEXISTS (email taken). */
AUTHKV_API int authkv_user_update(authkv_buf *out, authkv_db *db, const uint8_t *patch,
                                  size_t patch_len, char **errmsg);

/** Delete a user with its accounts, sessions and authenticators, atomically.
 *  @param[out] out optional; the deleted User (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_user_delete(authkv_buf *out, authkv_db *db, const char *id,
                                  size_t id_len, char **errmsg);

/* ---- Accounts ------------------------------------------------------------ */

/** Link an account (an Account FlatBuffer) to its user_id.
 *  @param[out] out optional; the stored Account (owned)
 *  @return AUTHKV_OK; AUTHKV_EEXISTS (provider account linked already);
 *          AUTHKV_ECONSTRAINT (no such user); AUTHKV_EINVALID. */
AUTHKV_API int authkv_account_link(authkv_buf *out, authkv_db *db, const uint8_t *account,
                                   size_t account_len, char **errmsg);

/** @param[out] out optional; the Account (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_account_get(authkv_buf *out, authkv_db *db, const char *provider,
                                  size_t provider_len, const char *provider_account_id,
                                  size_t provider_account_id_len, char **errmsg);

/** Merge token fields into a linked account (an Account FlatBuffer with
 *  provider and provider_account_id set; user_id, if set, must match).
 *  @param[out] out optional; the whole updated Account (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_account_update(authkv_buf *out, authkv_db *db, const uint8_t *patch,
                                     size_t patch_len, char **errmsg);

/** @param[out] out optional; the removed Account (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_account_unlink(authkv_buf *out, authkv_db *db, const char *provider,
                                     size_t provider_len, const char *provider_account_id,
                                     size_t provider_account_id_len, char **errmsg);

/* ---- Sessions ------------------------------------------------------------ */

/** Create a session (a Session FlatBuffer with session_token, user_id,
 *  expires_ms). The token is stored only as its SHA-256 digest.
 *  @param[out] out optional; the Session (owned)
 *  @return AUTHKV_OK; AUTHKV_EEXISTS (token in use); AUTHKV_ECONSTRAINT. */
AUTHKV_API int authkv_session_create(authkv_buf *out, authkv_db *db, const uint8_t *session,
                                     size_t session_len, char **errmsg);

/** The hot read: a session and its user, as one SessionAndUser FlatBuffer.
 *  @param[out] out optional; the SessionAndUser (owned)
 *  @return AUTHKV_OK; AUTHKV_ENOTFOUND (no such session, expired, or its user
 *          is gone); an error. */
AUTHKV_API int authkv_session_and_user_get(authkv_buf *out, authkv_db *db, const char *token,
                                           size_t token_len, char **errmsg);

/** authkv_session_and_user_get() into a caller-provided buffer, so a binding
 *  can reuse one buffer and make one call per read.
 *  @param[out] dst     receives the SessionAndUser FlatBuffer (borrowed from
 *                      the caller); may be NULL when dst_cap is 0
 *  @param dst_cap      capacity of dst in bytes
 *  @param[out] len_out receives the FlatBuffer's length, also on AUTHKV_ERANGE
 *  @return AUTHKV_OK; AUTHKV_ERANGE (dst too small: retry with *len_out bytes);
 *          AUTHKV_ENOTFOUND; an error. */
AUTHKV_API int authkv_session_and_user_get_into(uint8_t *dst, size_t dst_cap, size_t *len_out,
                                                authkv_db *db, const char *token,
                                                size_t token_len, char **errmsg);

/** Set a session's expiry.
 *  @param[out] out optional; the updated Session (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_session_update(authkv_buf *out, authkv_db *db, const char *token,
                                     size_t token_len, int64_t expires_ms, char **errmsg);

/** Delete a session (expired or not).
 *  @param[out] out optional; the deleted Session (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_session_delete(authkv_buf *out, authkv_db *db, const char *token,
                                     size_t token_len, char **errmsg);

/* ---- Verification tokens -------------------------------------------------- */

/** Store a VerificationToken FlatBuffer (identifier, token, expires_ms).
 *  @param[out] out optional; the VerificationToken (owned)
 *  @return AUTHKV_OK; AUTHKV_EEXISTS (this identifier + token exists). */
AUTHKV_API int authkv_verification_token_create(authkv_buf *out, authkv_db *db,
                                                const uint8_t *token, size_t token_len,
                                                char **errmsg);

/** Find and delete a token in one atomic step: of concurrent callers exactly
 *  one gets it. An expired token is returned too (the caller checks expiry).
 *  @param[out] out optional; the VerificationToken (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND (missing, used, or another
 *          identifier's), or an error. */
AUTHKV_API int authkv_verification_token_use(authkv_buf *out, authkv_db *db,
                                             const char *identifier, size_t identifier_len,
                                             const char *token, size_t token_len,
                                             char **errmsg);

/* ---- Authenticators (WebAuthn) ------------------------------------------- */

/** Store an Authenticator FlatBuffer.
 *  @param[out] out optional; the Authenticator (owned)
 *  @return AUTHKV_OK; AUTHKV_EEXISTS (credential id registered);
 *          AUTHKV_ECONSTRAINT (no such user). */
AUTHKV_API int authkv_authenticator_create(authkv_buf *out, authkv_db *db,
                                           const uint8_t *authenticator,
                                           size_t authenticator_len, char **errmsg);

/** @param[out] out optional; the Authenticator (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_authenticator_get(authkv_buf *out, authkv_db *db,
                                        const char *credential_id, size_t credential_id_len,
                                        char **errmsg);

/** Every authenticator of a user, as an AuthenticatorList FlatBuffer (empty
 *  for an unknown user; never AUTHKV_ENOTFOUND).
 *  @param[out] out optional; the AuthenticatorList (owned)
 *  @return AUTHKV_OK or an error. */
AUTHKV_API int authkv_authenticator_list_by_user(authkv_buf *out, authkv_db *db,
                                                 const char *user_id, size_t user_id_len,
                                                 char **errmsg);

/** @param[out] out optional; the updated Authenticator (owned)
 *  @return AUTHKV_OK or AUTHKV_ENOTFOUND, or an error. */
AUTHKV_API int authkv_authenticator_update_counter(authkv_buf *out, authkv_db *db,
                                                   const char *credential_id,
                                                   size_t credential_id_len, uint64_t counter,
                                                   char **errmsg);

/* ---- Maintenance ---------------------------------------------------------- */

/** Counters of the session cache. */
typedef struct authkv_cache_stats {
  uint64_t hits;
  uint64_t misses;
  uint64_t entries;
  uint64_t bytes;          /**< Approximate memory held. */
  uint64_t capacity_bytes; /**< 0 when the cache is off. */
} authkv_cache_stats;

/** @param[out] out receives the counters
 *  @return AUTHKV_OK or an error. */
AUTHKV_API int authkv_cache_stats_get(authkv_cache_stats *out, authkv_db *db, char **errmsg);

/** Rewrite every account whose tokens are not sealed with the current (first)
 *  token key: the step between adding a new key and dropping an old one.
 *  @param[out] rewritten_out optional; how many accounts were rewritten
 *  @return AUTHKV_OK; AUTHKV_EINVALID if no token key is configured. */
AUTHKV_API int authkv_accounts_reencrypt(uint64_t *rewritten_out, authkv_db *db,
                                         char **errmsg);

/** Delete every session and verification token that expired before `now_ms`
 *  (milliseconds since the epoch).
 *  @param[out] sessions_out optional; how many sessions went
 *  @param[out] tokens_out   optional; how many verification tokens went
 *  @return AUTHKV_OK or an error. */
AUTHKV_API int authkv_purge_expired(uint64_t *sessions_out, uint64_t *tokens_out,
                                    authkv_db *db, int64_t now_ms, char **errmsg);

/* ---- Memory, errors, versions -------------------------------------------- */

/** Release a buffer's data and reset it to {NULL, 0}. NULL is a no-op. */
AUTHKV_API void authkv_buf_dispose(authkv_buf *buf);

/** Release memory authkv allocated (error messages, buffer data). NULL is a
 *  no-op. Never use free() on it: authkv may use another allocator. */
AUTHKV_API void authkv_free(void *ptr);

/** Static text describing `code`; unknown codes get a generic text. */
AUTHKV_API const char *authkv_strerror(int code);

/** AUTHKV_ABI_VERSION of the loaded library. */
AUTHKV_API int authkv_abi_version(void);

/** AUTHKV_VERSION of the loaded library (static). */
AUTHKV_API const char *authkv_version(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AUTHKV_AUTHKV_H_ */
