// authkv fuzz targets. Licensed under the ISC license.
//
// A main() for builds without libFuzzer (any compiler, no -fsanitize=fuzzer):
// it runs a fuzz target's LLVMFuzzerInitialize once and then its
// LLVMFuzzerTestOneInput on every file named on the command line (files in
// a named directory in name order), so the committed corpus is a regression
// test in every `scripts/test` run. Like libFuzzer, it hands each input over
// in a heap block of exactly its size, so an over-read is an ASan report in
// a sanitizer build here too. A finding aborts inside the target; this
// driver only says which file was running.
//
// Thread safety: single-threaded.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a target, as in libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool Replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
  std::unique_ptr<uint8_t[]> exact(new uint8_t[bytes.size()]);
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  LLVMFuzzerTestOneInput(exact.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (!std::filesystem::is_directory(arg)) {
      files.push_back(arg);
      continue;
    }
    std::vector<std::filesystem::path> entries;
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      if (entry.is_regular_file()) entries.push_back(entry.path());
    }
    if (entries.empty()) {
      std::fprintf(stderr, "replay: %s has no inputs\n", argv[i]);
      return 1;
    }
    std::sort(entries.begin(), entries.end());
    files.insert(files.end(), entries.begin(), entries.end());
  }
  size_t replayed = 0;
  for (const auto& file : files) {
    if (!Replay(file)) return 1;
    ++replayed;
  }
  std::printf("replayed %zu inputs without a finding\n", replayed);
  return 0;
}
