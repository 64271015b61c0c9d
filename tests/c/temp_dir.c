/* authkv tests. Licensed under the ISC license.
 *
 * See temp_dir.h.
 */

#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include "temp_dir.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

int MakeTempDir(char *dir, size_t cap, const char *prefix) {
  const char *base = getenv("TEST_TMPDIR");
  if ((size_t)snprintf(dir, cap, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix) >= cap ||
      mkdtemp(dir) == NULL) {
    if (cap > 0) dir[0] = '\0';
    return -1;
  }
  return 0;
}

static int RemoveEntry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void RemoveTempDir(char *dir) {
  if (dir[0] != '\0') nftw(dir, RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
  dir[0] = '\0';
}
