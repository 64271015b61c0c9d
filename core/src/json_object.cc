// authkv: embedded auth-data store. Licensed under the ISC license.
//
// nlohmann::json checks the text (strict RFC 8259, through its SAX
// parser, so nothing is built). Its events carry no byte offsets, and a
// parsed value forgets how it was written (1.0e5 would come back as
// 100000.0), so the members are then cut out of the text as written: on
// text the parser has accepted, that needs only the string and bracket
// structure.

#include "json_object.h"

#include <nlohmann/json.hpp>

#include <unordered_map>

namespace authkv::internal {
namespace {

constexpr size_t kMaxDepth = 64;

using Json = nlohmann::json;

// Accepts exactly one JSON object nested at most kMaxDepth deep, and keeps
// the parser's first complaint.
class ObjectChecker final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override { return Value(); }
  bool string(string_t&) override { return Value(); }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override { return Open(/*object=*/true); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(/*object=*/false); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: x" -> "x".
    if (auto colon = what.rfind(": "); colon != std::string::npos) what.erase(0, colon + 2);
    error_ = Status::InvalidArgument("extra_json: " + what + " at byte " +
                                     std::to_string(position > 0 ? position - 1 : 0));
    return false;
  }

  // The verdict once sax_parse has returned `accepted`.
  Status Verdict(bool accepted) const {
    if (!error_.ok()) return error_;
    if (!accepted) return Status::InvalidArgument("extra_json: not a JSON object");
    return Status::OK();
  }

 private:
  bool Value() {
    if (depth_ == 0) return Refuse("expected a JSON object");
    return true;
  }
  bool Open(bool object) {
    if (depth_ == 0 && !object) return Refuse("expected a JSON object");
    if (++depth_ > kMaxDepth) return Refuse("nesting deeper than 64");
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  bool Refuse(std::string what) {
    error_ = Status::InvalidArgument("extra_json: " + what);
    return false;
  }

  size_t depth_ = 0;
  Status error_;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  return pos;
}

// The end of the string literal that opens at `pos` (one past its quote).
size_t StringEnd(std::string_view s, size_t pos) {
  for (++pos; s[pos] != '"'; ++pos) {
    if (s[pos] == '\\') ++pos;
  }
  return pos + 1;
}

// The end of the value that starts at `pos`: the first ',' or '}' outside
// strings and brackets.
size_t ValueEnd(std::string_view s, size_t pos) {
  size_t depth = 0;
  for (; pos < s.size(); ++pos) {
    const char c = s[pos];
    if (c == '"') {
      pos = StringEnd(s, pos) - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) break;
      --depth;
    } else if (c == ',' && depth == 0) {
      break;
    }
  }
  return pos;
}

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// REQUIRES: `text` is one valid JSON object (ObjectChecker said so).
std::vector<JsonMember> SplitMembers(std::string_view text) {
  std::vector<JsonMember> members;
  size_t pos = SkipSpace(text, 0) + 1;  // Past '{'.
  for (;;) {
    pos = SkipSpace(text, pos);
    if (text[pos] == '}') break;
    JsonMember m;
    const size_t key_end = StringEnd(text, pos);
    m.raw_key = text.substr(pos, key_end - pos);
    // Cannot fail: the checker accepted this literal as a member name.
    if (auto key = DecodeJsonString(m.raw_key); key.ok()) m.key = std::move(key).value();
    pos = SkipSpace(text, SkipSpace(text, key_end) + 1);  // Past ':'.
    const size_t value_end = ValueEnd(text, pos);
    m.raw_value = TrimEnd(text.substr(pos, value_end - pos));
    members.push_back(std::move(m));
    pos = value_end;
    if (text[pos] == ',') ++pos;
  }
  return members;
}

}  // namespace

Result<std::vector<JsonMember>> ParseJsonObject(std::string_view text) {
  ObjectChecker checker;
  const bool accepted =
      Json::sax_parse(text.begin(), text.end(), &checker, Json::input_format_t::json,
                      /*strict=*/true);
  if (Status verdict = checker.Verdict(accepted); !verdict.ok()) return verdict;
  return SplitMembers(text);
}

Result<std::string> DecodeJsonString(std::string_view literal) {
  Json value = Json::parse(literal.begin(), literal.end(), nullptr, /*allow_exceptions=*/false);
  if (!value.is_string()) return Status::InvalidArgument("not a JSON string");
  return value.get<std::string>();
}

Result<std::string> MergeJsonObjects(std::string_view base, std::string_view patch) {
  std::vector<JsonMember> merged;
  if (!base.empty()) {
    auto parsed = ParseJsonObject(base);
    if (!parsed.ok()) return parsed.status();
    merged = std::move(parsed).value();
  }
  if (!patch.empty()) {
    auto parsed = ParseJsonObject(patch);
    if (!parsed.ok()) return parsed.status();
    // Where each key first stands, so a merge of n members stays O(n).
    std::unordered_map<std::string, size_t> position;
    for (size_t i = merged.size(); i-- > 0;) position[merged[i].key] = i;
    for (auto& m : *parsed) {
      auto [it, inserted] = position.try_emplace(m.key, merged.size());
      if (inserted) {
        merged.push_back(std::move(m));
      } else {
        merged[it->second] = std::move(m);
      }
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
