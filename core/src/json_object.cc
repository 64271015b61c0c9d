// authkv: embedded auth-data store. Licensed under the ISC license.

#include "json_object.h"

#include <cstdint>

namespace authkv::internal {
namespace {

constexpr int kMaxDepth = 64;

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// A recursive-descent validator over one buffer. Each Parse* advances pos_
// past what it accepted or records the first error.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Status Fail(std::string_view what) {
    return Status::InvalidArgument("extra_json: " + std::string(what) +
                                   " at byte " + std::to_string(pos_));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' ||
                                s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  int Hex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return -1;
    }
    pos_ += 4;
    return v;
  }

  // Parses a string at pos_; decodes it into *out when out is non-null.
  Status ParseString(std::string* out) {
    if (!Peek('"')) return Fail("expected '\"'");
    ++pos_;
    while (true) {
      if (pos_ >= s_.size()) return Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return Status::OK();
      }
      if (c < 0x20) return Fail("control character in string");
      if (c != '\\') {
        if (out) out->push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return Fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': case '\\': case '/':
          if (out) out->push_back(e);
          break;
        case 'b': if (out) out->push_back('\b'); break;
        case 'f': if (out) out->push_back('\f'); break;
        case 'n': if (out) out->push_back('\n'); break;
        case 'r': if (out) out->push_back('\r'); break;
        case 't': if (out) out->push_back('\t'); break;
        case 'u': {
          int hi = Hex4();
          if (hi < 0) return Fail("bad \\u escape");
          uint32_t cp = static_cast<uint32_t>(hi);
          if (hi >= 0xD800 && hi <= 0xDBFF && pos_ + 1 < s_.size() &&
              s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
            size_t save = pos_;
            pos_ += 2;
            int lo = Hex4();
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
            } else {
              pos_ = save;  // A lone surrogate; keep it as JSON allows.
            }
          }
          if (out) AppendUtf8(cp, out);
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
  }

  Status ParseNumber() {
    size_t start = pos_;
    if (Peek('-')) ++pos_;
    if (Peek('0')) {
      ++pos_;
    } else if (pos_ < s_.size() && s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      return Fail("bad number");
    }
    if (Peek('.')) {
      ++pos_;
      size_t digits = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return Fail("bad number fraction");
    }
    if (Peek('e') || Peek('E')) {
      ++pos_;
      if (Peek('+') || Peek('-')) ++pos_;
      size_t digits = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      if (pos_ == digits) return Fail("bad number exponent");
    }
    return pos_ > start ? Status::OK() : Fail("bad number");
  }

  Status ParseLiteral(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return Fail("unexpected token");
    pos_ += word.size();
    return Status::OK();
  }

  Status ParseValue(int depth) {
    if (depth > kMaxDepth) return Fail("nesting deeper than 64");
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("unexpected end");
    switch (s_[pos_]) {
      case '{': return ParseObject(depth, nullptr);
      case '[': return ParseArray(depth);
      case '"': return ParseString(nullptr);
      case 't': return ParseLiteral("true");
      case 'f': return ParseLiteral("false");
      case 'n': return ParseLiteral("null");
      default: return ParseNumber();
    }
  }

  Status ParseArray(int depth) {
    ++pos_;  // '['
    SkipSpace();
    if (Peek(']')) {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      Status s = ParseValue(depth + 1);
      if (!s.ok()) return s;
      SkipSpace();
      if (Peek(',')) { ++pos_; continue; }
      if (Peek(']')) { ++pos_; return Status::OK(); }
      return Fail("expected ',' or ']'");
    }
  }

  // Parses an object; records top-level members into *members if non-null.
  Status ParseObject(int depth, std::vector<JsonMember>* members) {
    if (!Peek('{')) return Fail("expected a JSON object");
    ++pos_;
    SkipSpace();
    if (Peek('}')) {
      ++pos_;
      return Status::OK();
    }
    while (true) {
      SkipSpace();
      JsonMember m;
      size_t key_start = pos_;
      Status s = ParseString(members ? &m.key : nullptr);
      if (!s.ok()) return s;
      m.raw_key = s_.substr(key_start, pos_ - key_start);
      SkipSpace();
      if (!Peek(':')) return Fail("expected ':'");
      ++pos_;
      SkipSpace();
      size_t value_start = pos_;
      s = ParseValue(depth + 1);
      if (!s.ok()) return s;
      m.raw_value = s_.substr(value_start, pos_ - value_start);
      if (members) members->push_back(std::move(m));
      SkipSpace();
      if (Peek(',')) { ++pos_; continue; }
      if (Peek('}')) { ++pos_; return Status::OK(); }
      return Fail("expected ',' or '}'");
    }
  }

  Result<std::vector<JsonMember>> ParseTopLevel() {
    std::vector<JsonMember> members;
    SkipSpace();
    Status s = ParseObject(1, &members);
    if (!s.ok()) return s;
    SkipSpace();
    if (pos_ != s_.size()) return Fail("trailing bytes after the object");
    return members;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<JsonMember>> ParseJsonObject(std::string_view text) {
  return Parser(text).ParseTopLevel();
}

Result<std::string> MergeJsonObjects(std::string_view base,
                                     std::string_view patch) {
  std::vector<JsonMember> merged;
  if (!base.empty()) {
    auto parsed = ParseJsonObject(base);
    if (!parsed.ok()) return parsed.status();
    merged = std::move(parsed).value();
  }
  if (!patch.empty()) {
    auto parsed = ParseJsonObject(patch);
    if (!parsed.ok()) return parsed.status();
    for (auto& m : *parsed) {
      bool replaced = false;
      for (auto& existing : merged) {
        if (existing.key == m.key) {
          existing = m;
          replaced = true;
          break;
        }
      }
      if (!replaced) merged.push_back(m);
    }
  }
  if (merged.empty()) return std::string();
  std::string out = "{";
  for (size_t i = 0; i < merged.size(); ++i) {
    if (i) out += ',';
    out += merged[i].raw_key;
    out += ':';
    out += merged[i].raw_value;
  }
  out += '}';
  return out;
}

}  // namespace authkv::internal
