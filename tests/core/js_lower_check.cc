// authkv: embedded auth-data store. Licensed under the ISC license.
//
// Reads js_lower_cases.mjs's records on stdin and checks that
// JsToLowerCase gives JavaScript's answer for each. Exit 0 only when every
// record matched and the stream ended with its trailer.

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "digest.h"
#include "unicode_lower.h"

namespace {

bool ReadU32(uint32_t* v) {
  unsigned char b[4];
  if (std::fread(b, 1, 4, stdin) != 4) return false;
  *v = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  return true;
}

bool ReadBytes(uint32_t n, std::string* s) {
  s->resize(n);
  return n == 0 || std::fread(s->data(), 1, n, stdin) == n;
}

}  // namespace

int main() {
  using authkv::internal::JsToLowerCase;
  using authkv::internal::ToHex;
  uint64_t records = 0;
  uint64_t mismatches = 0;
  std::string input;
  std::string expected;
  for (;;) {
    uint32_t n = 0;
    if (!ReadU32(&n)) {
      std::cerr << "stream ended after " << records << " records without its trailer\n";
      return 1;
    }
    if (n == 0xFFFFFFFF) {
      uint32_t count = 0;
      if (!ReadU32(&count) || count != records) {
        std::cerr << "trailer says " << count << " records, read " << records << "\n";
        return 1;
      }
      break;
    }
    uint32_t m = 0;
    if (!ReadBytes(n, &input) || !ReadU32(&m) || !ReadBytes(m, &expected)) {
      std::cerr << "truncated record " << records << "\n";
      return 1;
    }
    ++records;
    auto got = JsToLowerCase(input);
    if (!got.ok() || *got != expected) {
      if (++mismatches <= 20) {
        std::cerr << "toLowerCase(" << ToHex(input) << "): JavaScript " << ToHex(expected)
                  << ", authkv " << (got.ok() ? ToHex(*got) : got.status().ToString()) << "\n";
      }
    }
  }
  std::cout << records << " strings checked against JavaScript (tables of Unicode "
            << authkv::internal::UnicodeLowerVersion() << "), " << mismatches << " differ\n";
  if (mismatches > 0) {
    std::cerr << "if this Node's Unicode version differs from the tables', regenerate them: "
                 "node scripts/gen-unicode-lower.mjs\n";
  }
  return mismatches == 0 ? 0 : 1;
}
