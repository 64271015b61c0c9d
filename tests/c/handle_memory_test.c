/* authkv tests. Licensed under the ISC license.
 *
 * authkv_close frees the handle: opening and closing handles many times
 * leaves the heap where it started. The handles are extra handles on a store
 * that stays open (authkv_open of a directory open already), so each cycle
 * costs a handle and nothing of RocksDB, and a handle kept after close (as the
 * old tombstones were, 24 bytes or more each) would show as steady growth.
 * The heap is measured with the sanitizer's own counter in ASan and TSan
 * builds (their allocators replace malloc, and freed memory waits in a
 * quarantine that RSS would count), else with glibc's mallinfo2. In the ASan
 * build LeakSanitizer then also checks at exit that nothing was left behind.
 *
 * Thread safety: single-threaded.
 */

#include <authkv/authkv.h>

#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HEAP_FROM_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HEAP_FROM_SANITIZER 1
#endif
#endif

#ifdef HEAP_FROM_SANITIZER
/* From <sanitizer/allocator_interface.h>, declared here because GCC's
 * packages do not always install that header; every sanitizer runtime with
 * its own allocator defines it. */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#include "temp_dir.h"

/* Handles open at once in each round, and rounds measured. */
enum { kHandlesPerRound = 64, kRounds = 256, kWarmUpRounds = 4 };

static char temp_dir[4096];

static void Fail(const char *what) {
  fprintf(stderr, "handle_memory_test: %s\n", what);
  RemoveTempDir(temp_dir);
  abort();
}

/* Bytes the program holds on the heap now. */
static size_t LiveHeapBytes(void) {
#ifdef HEAP_FROM_SANITIZER
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

/* Opens kHandlesPerRound more handles on `path`, then closes them all. */
static void OpenAndCloseRound(const char *path) {
  authkv_db *handles[kHandlesPerRound];
  char *err = NULL;
  int i;
  for (i = 0; i < kHandlesPerRound; ++i) {
    if (authkv_open(&handles[i], path, NULL, &err) != AUTHKV_OK) Fail(err ? err : "open failed");
  }
  /* Not in opening order, so the allocator's reuse is not one neat stack. */
  for (i = 0; i < kHandlesPerRound; i += 2) authkv_close(handles[i]);
  for (i = 1; i < kHandlesPerRound; i += 2) authkv_close(handles[i]);
}

int main(void) {
  char path[4200];
  char *err = NULL;
  authkv_db *keeper = NULL;
  size_t before, after, growth, limit;
  const size_t cycles = (size_t)kHandlesPerRound * kRounds;
  int round;

  if (MakeTempDir(temp_dir, sizeof temp_dir, "authkv-c-handle") != 0) Fail("no temp dir");
  snprintf(path, sizeof path, "%s/db", temp_dir);

  /* Keeps the store open, so every later open is one more handle on it. */
  if (authkv_open(&keeper, path, NULL, &err) != AUTHKV_OK) Fail(err ? err : "open failed");
  for (round = 0; round < kWarmUpRounds; ++round) OpenAndCloseRound(path);

  before = LiveHeapBytes();
  for (round = 0; round < kRounds; ++round) OpenAndCloseRound(path);
  after = LiveHeapBytes();

  /* Less than a pointer per cycle: a handle kept after close is at least
   * three. The slack covers what RocksDB's threads hold at either moment. */
  growth = after > before ? after - before : 0;
  limit = cycles * sizeof(void *);
  fprintf(stderr, "%zu open/close cycles: heap %zu -> %zu bytes (limit +%zu)\n", cycles, before,
          after, limit);
  if (growth >= limit) Fail("the heap grew with every closed handle: close does not free");

  authkv_close(keeper);
  /* The last handle closed the store: the directory opens again. */
  if (authkv_open(&keeper, path, NULL, &err) != AUTHKV_OK) Fail(err ? err : "reopen failed");
  authkv_close(keeper);

  RemoveTempDir(temp_dir);
  fprintf(stderr, "PASS\n");
  return EXIT_SUCCESS;
}
