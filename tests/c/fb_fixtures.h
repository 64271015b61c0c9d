/* authkv tests. Licensed under the ISC license.
 *
 * FlatBuffers for the C ABI test, which is plain C and has no FlatBuffers
 * code generator for C here: builders for the input records, and a reader
 * that turns any authkv result buffer into one line of text, so the test can
 * assert on whole records with strcmp. Implemented in C++ over core's codec,
 * i.e. the same encoding the library uses; the test checks the ABI, not the
 * codec (core's codec_test does that).
 *
 * Thread safety: pure functions. Test-only; not part of libauthkv.
 */

#ifndef AUTHKV_TESTS_C_FB_FIXTURES_H_
#define AUTHKV_TESTS_C_FB_FIXTURES_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer built by a fixture; release with fbfx_buf_free. */
typedef struct fbfx_buf {
  uint8_t *data;
  size_t size;
} fbfx_buf;

/* Nullable string arguments: NULL leaves the field absent, FBFX_NULL makes it
 * explicitly null, anything else is its value. Nullable integers use
 * FBFX_ABSENT and FBFX_NULL_I64 the same way. */
extern const char fbfx_null_marker[];
#define FBFX_NULL fbfx_null_marker
#define FBFX_ABSENT INT64_MIN
#define FBFX_NULL_I64 (INT64_MIN + 1)

fbfx_buf fbfx_user(const char *id, const char *name, const char *email, int64_t email_verified_ms,
                   const char *image, const char *extra_json);
fbfx_buf fbfx_account(const char *user_id, const char *type, const char *provider,
                      const char *provider_account_id, const char *access_token,
                      int64_t expires_at);
/* An Account carrying sealed_tokens, the field only the store writes (the
 * at-rest form of its OAuth tokens); callers must never send it. */
fbfx_buf fbfx_account_with_sealed_tokens(const char *user_id, const char *provider,
                                         const char *provider_account_id);
fbfx_buf fbfx_session(const char *session_token, const char *user_id, int64_t expires_ms);
fbfx_buf fbfx_verification_token(const char *identifier, const char *token, int64_t expires_ms);
/* provider_account_id is the credential id and the public key "pk-<id>", as
 * Auth.js' WebAuthn provider stores them. */
fbfx_buf fbfx_authenticator(const char *credential_id, const char *user_id, uint64_t counter,
                            const char *transports);
void fbfx_buf_free(fbfx_buf *buf);

/* One line describing any authkv record buffer (User, Account, Session,
 * VerificationToken, Authenticator, SessionAndUser, AuthenticatorList),
 * e.g. User{id="u1" name="Ann" image=null}; absent fields are left out.
 * NULL if the buffer fails verification. Release with fbfx_free. */
char *fbfx_describe(const uint8_t *data, size_t size);
void fbfx_free(void *ptr);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AUTHKV_TESTS_C_FB_FIXTURES_H_ */
