// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv_scaling_bench: how the hot read and the memory of a default-
// configured store change with its size. For each --authkv_users size
// (scripts/bench runs one size per process: 10k, 100k, 1M, so each RSS
// figure is that size's alone) one benchmark, BM_HotReadScaling/users:<N>,
// runs once and reports as counters:
//   open_ms          Store::Open of a settled copy of the data set, its
//                    files read into the page cache beforehand
//   p50_us, p99_us,  latency of single GetSessionAndUser calls by a
//   p999_us, mean_us uniformly random token, each timed on its own with
//                    steady_clock, after a warm-up (WarmupReads) that lets
//                    the caches reach their steady state
//   samples          how many calls were timed (200k, fewer if they did not
//                    fit in 30 s)
//   cache_hit_pct    the session cache's hit rate over the timed reads
//   rss_open_mib     VmRSS right after Open
//   rss_mib, hwm_mib VmRSS and VmHWM after the reads
// The data set is built in a forked child (bench_util.h), so this process's
// high-water mark covers only the open store and the reads.
//
// Thread safety: single-threaded.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "authkv/store.h"
#include "bench_util.h"
#include "dataset.h"

namespace authkv::bench {
namespace {

// Timed reads per size: this many, or as many as fit in kTimedSeconds.
constexpr uint64_t kTimedReads = 200000;
constexpr double kTimedSeconds = 30;

void BM_HotReadScaling(benchmark::State& state) {
  const Dataset dataset(static_cast<uint64_t>(state.range(0)));
  auto files = PrepareTemplate(dataset, /*in_child=*/true);
  if (!files.ok()) {
    state.SkipWithError(files.status().ToString().c_str());
    return;
  }
  const std::string dir = NewWorkDir("scaling-" + std::to_string(dataset.users())) + "/authkv";
  Status cloned = CloneRocksDb(files->authkv_dir, dir);
  if (cloned.ok()) cloned = Preread(dir);
  if (!cloned.ok()) {
    state.SkipWithError(cloned.ToString().c_str());
    return;
  }
  std::vector<uint32_t> latencies_ns;
  latencies_ns.reserve(kTimedReads);

  for (auto _ : state) {
    using Clock = std::chrono::steady_clock;
    const auto open_start = Clock::now();
    auto opened = Store::Open(dir, Options());
    const double open_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - open_start).count();
    if (!opened.ok()) {
      state.SkipWithError(opened.status().ToString().c_str());
      break;
    }
    Store& store = **opened;
    const MemoryUsage at_open = ReadMemoryUsage();

    RandomRows rows(dataset.users(), kDefaultSeed);
    Status failure;
    Deadline warmup_deadline(kWarmupSeconds);
    for (uint64_t r = WarmupReads(dataset.users());
         r > 0 && failure.ok() && !warmup_deadline.Passed(); --r) {
      failure = store.GetSessionAndUser(dataset.SessionToken(rows.Next())).status();
    }
    const CacheStats before = store.GetCacheStats();
    Deadline timed_deadline(kTimedSeconds);
    for (uint64_t r = 0; r < kTimedReads && failure.ok() && !timed_deadline.Passed(); ++r) {
      const std::string token = dataset.SessionToken(rows.Next());
      const auto start = Clock::now();
      failure = store.GetSessionAndUser(token).status();
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
      latencies_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns.count(), UINT32_MAX)));
    }
    if (!failure.ok()) {
      state.SkipWithError(failure.ToString().c_str());
      break;
    }
    const CacheStats after = store.GetCacheStats();
    const MemoryUsage at_end = ReadMemoryUsage();

    const LatencySummary latency = Summarize(&latencies_ns);
    const double lookups =
        static_cast<double>((after.hits - before.hits) + (after.misses - before.misses));
    state.counters["samples"] = static_cast<double>(latencies_ns.size());
    state.counters["open_ms"] = open_ms;
    state.counters["p50_us"] = latency.p50_us;
    state.counters["p99_us"] = latency.p99_us;
    state.counters["p999_us"] = latency.p999_us;
    state.counters["mean_us"] = latency.mean_us;
    state.counters["cache_hit_pct"] =
        lookups > 0 ? 100.0 * static_cast<double>(after.hits - before.hits) / lookups : 0;
    state.counters["rss_open_mib"] = at_open.rss_mib;
    state.counters["rss_mib"] = at_end.rss_mib;
    state.counters["hwm_mib"] = at_end.hwm_mib;
  }
}

}  // namespace
}  // namespace authkv::bench

int main(int argc, char** argv) {
  using namespace authkv::bench;
  for (uint64_t users : TakeUserCountsFlag(&argc, argv, {10000})) {
    benchmark::RegisterBenchmark("BM_HotReadScaling", BM_HotReadScaling)
        ->ArgName("users")
        ->Arg(static_cast<int64_t>(users))
        ->Iterations(1)
        ->Repetitions(1)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  CleanUpBenchRoot();
  return 0;
}
