// authkv fuzz targets. Licensed under the ISC license.
//
// What every fuzz target shares: a failure that stops the process with a
// message (libFuzzer and the corpus replay both treat abort() as a finding),
// a reader that cuts one fuzz input into fields, exact-size heap copies so
// AddressSanitizer sees a read one byte past a (pointer, length) argument,
// and the black-box "did anything get written?" probe on RocksDB's WAL.
//
// Thread safety: none needed; each fuzz process runs one input at a time.

#ifndef AUTHKV_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define AUTHKV_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace authkv::fuzz {

// Reports a broken invariant and aborts, so libFuzzer saves the input.
[[noreturn]] inline void Fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "\nauthkv fuzz invariant broken at %s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Checked in every build type: a fuzz target is nothing but its checks.
#define AUTHKV_FUZZ_CHECK(cond, what)                              \
  do {                                                             \
    if (!(cond)) ::authkv::fuzz::Fail(__FILE__, __LINE__, (what)); \
  } while (0)

// AUTHKV_FUZZ_VERBOSE=1 makes the targets print each input's call and
// outcome, which is how the README's bad-input table is read off a corpus
// replay. Off by default: at fuzzing speed it would be noise.
inline bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("AUTHKV_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return verbose;
}

// Cuts a fuzz input into fields from the front. Running out of bytes is not
// an error: a short input yields zeros and empty strings, so every input
// means something and the fuzzer never wastes runs on rejected framing.
class InputReader {
 public:
  InputReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }

  // A string whose length is the next byte (capped by what is left).
  std::string_view ShortString() {
    const size_t len = Byte();
    return Take(len);
  }

  // Everything not read yet.
  std::string_view Rest() { return Take(size_ - pos_); }

  size_t remaining() const { return size_ - pos_; }

 private:
  std::string_view Take(size_t len) {
    len = len < size_ - pos_ ? len : size_ - pos_;
    std::string_view s(reinterpret_cast<const char*>(data_) + pos_, len);
    pos_ += len;
    return s;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// The inverse of InputReader, for writing corpus inputs that a target reads
// field by field.
class InputWriter {
 public:
  InputWriter& Byte(uint8_t b) {
    bytes_.push_back(static_cast<char>(b));
    return *this;
  }
  InputWriter& U64(uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) Byte(static_cast<uint8_t>(v >> shift));
    return *this;
  }
  // REQUIRES: s.size() < 256 (ShortString's length is one byte).
  InputWriter& ShortString(std::string_view s) {
    if (s.size() > 255) Fail(__FILE__, __LINE__, "a ShortString longer than 255 bytes");
    Byte(static_cast<uint8_t>(s.size()));
    bytes_.append(s);
    return *this;
  }
  InputWriter& Rest(std::string_view s) {
    bytes_.append(s);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// A heap copy of exactly `bytes.size()` bytes and not one more (no NUL
// terminator), so a callee that reads past the length it was given, or
// assumes a terminator, trips AddressSanitizer instead of reading the
// neighbouring field of the fuzz input. new[] returns 16-byte aligned
// storage, so copies are also how aligned FlatBuffers are passed.
class ExactBytes {
 public:
  explicit ExactBytes(std::string_view bytes) : data_(new char[bytes.size()]), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
  }
  const char* chars() const { return data_.get(); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(data_.get()); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};

// The newest write-ahead log of a RocksDB directory: its file number and
// size. RocksDB appends every committed write batch to the current WAL
// (<number>.log) before it acknowledges the write, and only a write (or a
// flush, which a write triggers) starts a new one; background work deletes
// old logs but never appends. So "the newest log is the same file at the
// same size" means "nothing was committed in between". Each target proves
// the probe at startup by committing one write and seeing it move.
struct WalMark {
  uint64_t number = 0;
  uintmax_t size = 0;

  bool operator==(const WalMark&) const = default;

  std::string ToString() const {
    return std::to_string(number) + ".log at " + std::to_string(size) + " bytes";
  }
};

inline WalMark MarkWal(const std::string& dir) {
  WalMark newest;
  bool found = false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) continue;
    const uint64_t number = std::strtoull(name.c_str(), nullptr, 10);
    if (!found || number > newest.number) {
      newest.number = number;
      std::error_code size_ec;
      newest.size = std::filesystem::file_size(entry.path(), size_ec);
      found = true;
    }
  }
  if (ec || !found) Fail(__FILE__, __LINE__, "no RocksDB WAL (*.log) in " + dir);
  return newest;
}

}  // namespace authkv::fuzz

#endif  // AUTHKV_TESTS_FUZZ_FUZZ_SUPPORT_H_
