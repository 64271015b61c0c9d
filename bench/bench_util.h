// authkv: embedded auth-data store. Licensed under the ISC license.
//
// What every benchmark executable shares: where databases live, the
// prepared ("template") databases of a data set and their working copies,
// the `--authkv_users` flag, the one timing loop every benchmark runs its
// operation through, random row selection, latency percentiles, and the
// process's memory figures.
//
// Databases live under $TEST_TMPDIR/authkv-bench when TEST_TMPDIR is set
// (scripts/bench sets it, so its executables share templates, and removes
// it afterwards), else under a per-process directory removed at exit. A
// template is built once, settled by a full compaction, marked complete,
// and never opened for writing again: benchmarks open copies of it.
//
// Thread safety: RunOps and RandomRows are per benchmark thread; the other
// functions are meant for setup, before or between timed loops.

#ifndef AUTHKV_BENCH_BENCH_UTIL_H_
#define AUTHKV_BENCH_BENCH_UTIL_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "authkv/result.h"
#include "authkv/status.h"
#include "dataset.h"

namespace authkv::bench {

// --- Where databases live ------------------------------------------------------

// The directory holding every benchmark database, created on first use.
const std::string& BenchRoot();
// Removes what this process created under BenchRoot(): its working copies,
// and everything when the root is private to the process. Call at exit.
void CleanUpBenchRoot();

// A prepared data set: an authkv directory and a SQLite file holding the
// same users, both settled. Read-only by convention; open copies.
struct DatasetFiles {
  std::string authkv_dir;
  std::string sqlite_path;
};

// The template for `dataset`, built (and timed on stderr) if it is not
// complete yet. With `in_child` the build runs in a forked child process,
// so the caller's memory high-water mark does not include it.
Result<DatasetFiles> PrepareTemplate(const Dataset& dataset, bool in_child);

// A fresh working directory under BenchRoot() named after `label`.
std::string NewWorkDir(const std::string& label);
// Copies a RocksDB directory: table files (immutable) as hard links,
// everything else byte for byte. Log files are skipped.
Status CloneRocksDb(const std::string& from, const std::string& to);
// Copies a single file byte for byte.
Status CopyFile(const std::string& from, const std::string& to);
// Reads a file, or every file in a directory, once, so the OS page cache
// holds it: a run then never waits for the disk, whatever earlier runs or
// RocksDB's compaction (which drops its output from the page cache) left.
Status Preread(const std::string& path);

// --- Flags ---------------------------------------------------------------------

// Parses and removes `--authkv_users=N[,N...]` from argv (before
// benchmark::Initialize sees it). Returns the sizes, ascending, or
// `defaults` when the flag is absent. Exits with a message on a bad value.
std::vector<uint64_t> TakeUserCountsFlag(int* argc, char** argv, std::vector<uint64_t> defaults);

// --- Timing ----------------------------------------------------------------------

// The timing loop of every benchmark: runs op() once per iteration, stops at
// the first non-OK Status with SkipWithError, and reports one item per
// iteration. `op` returns a Status; everything it needs is prepared before.
template <typename Op>
void RunOps(benchmark::State& state, Op&& op) {
  for (auto _ : state) {
    Status s = op();
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Uniformly random rows in [0, n), one draw ahead so the caller can
// prefetch the row after the current one.
class RandomRows {
 public:
  // REQUIRES: 0 < n < 2^32.
  RandomRows(uint64_t n, uint64_t seed);
  // The current row; advances to the next.
  uint64_t Next() {
    const uint64_t row = next_;
    next_ = Draw();
    return row;
  }
  // The row the next call to Next returns.
  uint64_t Peek() const { return next_; }

 private:
  // Lemire's multiply-shift reduction of a 32-bit draw: no division.
  uint64_t Draw() { return ((SplitMix64(&state_) >> 32) * n_) >> 32; }

  uint64_t n_;
  uint64_t state_;
  uint64_t next_;
};

// How many random reads warm a store of `users` users before timing: enough
// to fill the default 64 MiB session cache at 1M users (~100k entries) and
// to touch nearly every user of a small store; 3 * users, at most 300k.
// Warm-ups also stop after kWarmupSeconds, so a store whose reads take
// milliseconds still finishes the run.
uint64_t WarmupReads(uint64_t users);
inline constexpr double kWarmupSeconds = 20;

// Whether a time budget has run out; checks the clock every 256 calls.
class Deadline {
 public:
  explicit Deadline(double seconds);
  bool Passed() {
    if ((++calls_ & 0xFF) != 0) return false;
    return std::chrono::steady_clock::now() >= end_;
  }

 private:
  std::chrono::steady_clock::time_point end_;
  uint64_t calls_ = 0;
};

struct LatencySummary {
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  double mean_us = 0;
};
// Percentiles of per-operation latencies in nanoseconds (reorders them).
LatencySummary Summarize(std::vector<uint32_t>* latencies_ns);

// --- Memory ----------------------------------------------------------------------

// This process's resident set now and at its peak, from /proc/self/status.
struct MemoryUsage {
  double rss_mib = 0;  // VmRSS
  double hwm_mib = 0;  // VmHWM
};
MemoryUsage ReadMemoryUsage();

}  // namespace authkv::bench

#endif  // AUTHKV_BENCH_BENCH_UTIL_H_
