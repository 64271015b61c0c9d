/* authkv tests. Licensed under the ISC license.
 *
 * A fresh directory per plain-C test program, removed with everything in it
 * at the end (or before an abort), so the C tests share one way of making
 * and cleaning up their databases' home instead of copies of it.
 *
 * Thread safety: not thread-safe; call from the test's main thread.
 */

#ifndef AUTHKV_TESTS_C_TEMP_DIR_H_
#define AUTHKV_TESTS_C_TEMP_DIR_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates "<$TEST_TMPDIR or /tmp>/<prefix>-XXXXXX" and writes its path into
 * `dir` (`cap` bytes). Returns 0, or -1 (with `dir` empty) if the path does
 * not fit or the directory cannot be made. */
int MakeTempDir(char *dir, size_t cap, const char *prefix);

/* Removes `dir` and everything below it, then empties `dir`, so a second
 * call (a failure after the normal cleanup) does nothing. An empty `dir` is
 * a no-op. */
void RemoveTempDir(char *dir);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AUTHKV_TESTS_C_TEMP_DIR_H_ */
