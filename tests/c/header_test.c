/* authkv tests. Licensed under the ISC license.
 *
 * Compile-only check that authkv.h is clean, self-contained C99 (libgit2's
 * tests/headertest): CMake builds this file alone with -std=c99 -pedantic
 * -Werror and strict-prototype warnings, so a C++-ism, a missing include or
 * a `()` prototype in the public header fails the build. It also expands the
 * initialiser macros and names every function, so their declarations are
 * checked as C too, not only parsed. Nothing runs it.
 *
 * Thread safety: not applicable.
 */

#include <authkv/authkv.h>

/* Any use of a function name checks that it is declared; a table of their
 * addresses is the simplest use that no warning objects to. */
typedef void (*authkv_header_test_fn)(void);
#define FN(f) (authkv_header_test_fn)(f)

int authkv_header_test(void);

int authkv_header_test(void) {
  static const authkv_header_test_fn functions[] = {
      FN(authkv_open_options_init),
      FN(authkv_open),
      FN(authkv_close),
      FN(authkv_user_create),
      FN(authkv_user_get),
      FN(authkv_user_get_by_email),
      FN(authkv_user_get_by_account),
      FN(authkv_user_update),
      FN(authkv_user_delete),
      FN(authkv_account_link),
      FN(authkv_account_get),
      FN(authkv_account_update),
      FN(authkv_account_unlink),
      FN(authkv_session_create),
      FN(authkv_session_and_user_get),
      FN(authkv_session_and_user_get_into),
      FN(authkv_session_update),
      FN(authkv_session_delete),
      FN(authkv_verification_token_create),
      FN(authkv_verification_token_use),
      FN(authkv_authenticator_create),
      FN(authkv_authenticator_get),
      FN(authkv_authenticator_list_by_user),
      FN(authkv_authenticator_update_counter),
      FN(authkv_purge_expired),
      FN(authkv_buf_dispose),
      FN(authkv_free),
      FN(authkv_strerror),
      FN(authkv_abi_version),
      FN(authkv_version),
  };
  authkv_buf buf = AUTHKV_BUF_INIT;
  authkv_open_options opts = AUTHKV_OPEN_OPTIONS_INIT;
  authkv_code code = AUTHKV_ITEROVER;
  return (int)(sizeof functions / sizeof functions[0]) + (buf.data == NULL) + (int)buf.size +
         (int)opts.version + (int)code;
}
