// authkv: embedded auth-data store. Licensed under the ISC license.
//
// nlohmann::json does the checking, through its SAX interface so nothing
// is built. A parsed value forgets how it was written (1.0e5 would come
// back as 100000.0) and SAX events carry no byte offsets, so the parser
// reads the text through an iterator that counts how far it has read, and
// the top-level events mark where each member's key and value end; the
// members are then views into the text as written.

#include "json_object.h"

#include <cctype>
#include <iterator>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace authkv::internal {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxDepth = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(s[pos])) ++pos;
  return pos;
}

// nlohmann refuses an escaped lone surrogate ("\ud800" without its low
// half), which RFC 8259's grammar allows and which JSON.stringify writes
// for a JavaScript string cut inside a pair; authkv has always stored such
// text. The parser is given `text` with each one read as "\ufffd": the same
// six bytes, so offsets still point into `text`, and what is kept is the
// text as written. Only a key's decoded form sees the U+FFFD. Outside a
// string a backslash is an error anyway, so no string tracking is needed.
std::string_view ReadableByNlohmann(std::string_view text, std::string* copy) {
  auto surrogate = [&](size_t at, bool high) {  // "\uD800".."\uDBFF" or "\uDC00".."\uDFFF".
    return at + 6 <= text.size() && text[at] == '\\' && text[at + 1] == 'u' &&
           (text[at + 2] == 'd' || text[at + 2] == 'D') &&
           std::string_view(high ? "89abAB" : "cdefCDEF").find(text[at + 3]) !=
               std::string_view::npos &&
           std::isxdigit(static_cast<unsigned char>(text[at + 4])) &&
           std::isxdigit(static_cast<unsigned char>(text[at + 5]));
  };
  for (size_t i = text.find('\\'); i < text.size(); i = text.find('\\', i)) {
    if (surrogate(i, /*high=*/true) && surrogate(i + 6, /*high=*/false)) {
      i += 12;  // A pair.
    } else if (surrogate(i, /*high=*/true) || surrogate(i, /*high=*/false)) {
      if (copy->empty()) copy->assign(text);
      copy->replace(i, 6, "\\ufffd");
      i += 6;
    } else {
      i += 2;  // Any other escape, "\\" included.
    }
  }
  return copy->empty() ? text : std::string_view(*copy);
}

// Feeds the parser one byte at a time and records how far it has read.
// nlohmann's lexer reads nothing ahead except the one byte after a number.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* at, const char** read_to) : at_(at), read_to_(read_to) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    *read_to_ = ++at_;
    return *this;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }

 private:
  const char* at_;
  const char** read_to_;
};

// Accepts exactly one JSON object nested at most kMaxDepth deep, keeps the
// parser's first complaint, and cuts the top-level members out of `text`.
class MemberSplitter final : public nlohmann::json_sax<Json> {
 public:
  // `readable` is `text` as ReadableByNlohmann gave it: the same length.
  MemberSplitter(std::string_view text, std::string_view readable)
      : text_(text), readable_(readable), read_to_(readable.data()) {}

  Result<std::vector<JsonMember>> Run() {
    // nlohmann skips a byte order mark; it is not JSON whitespace.
    if (text_.starts_with("\xEF\xBB\xBF")) return Invalid("expected a JSON object", 0);
    const std::string_view readable = readable_;
    const bool accepted =
        Json::sax_parse(CountingIterator(readable.data(), &read_to_),
                        CountingIterator(readable.data() + readable.size(), &read_to_), this,
                        Json::input_format_t::json, /*strict=*/true);
    if (!error_.ok()) return error_;
    if (!accepted) return Invalid("not a JSON object", Read());
    return std::move(members_);
  }

  bool null() override { return Scalar(/*lookahead=*/0); }
  bool boolean(bool) override { return Scalar(0); }
  bool number_integer(number_integer_t) override { return Scalar(1); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(1); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(1); }
  bool string(string_t&) override { return Scalar(0); }
  bool binary(binary_t&) override { return Scalar(0); }
  bool start_object(std::size_t) override { return Open(/*object=*/true); }
  bool start_array(std::size_t) override { return Open(/*object=*/false); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }

  bool key(string_t& key) override {
    if (depth_ != 1) return true;
    // Only spaces and a ',' lie between the last member and this key.
    key_end_ = Read();
    const size_t key_start = text_.find('"', member_end_);
    members_.push_back(
        JsonMember{std::move(key), text_.substr(key_start, key_end_ - key_start), {}});
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // "[json.exception.parse_error.101] parse error at line 1, column 5:
    // syntax error while parsing value - invalid literal; last read: '...'"
    // is cut to "syntax error ... invalid literal": the offset is said in
    // bytes, and the text read can be long.
    std::string what = e.what();
    what.erase(0, what.find("] ") + 2);
    if (what.starts_with("parse error")) what.erase(0, what.find(": ") + 2);
    what = what.substr(0, what.find("; last read"));
    if (what.size() > 200) what.resize(200);
    error_ = Invalid(what, position > 0 ? position - 1 : 0);
    return false;
  }

 private:
  static Status Invalid(std::string_view what, size_t at) {
    return Status::InvalidArgument("extra_json: " + std::string(what) + " at byte " +
                                   std::to_string(at));
  }

  size_t Read() const { return static_cast<size_t>(read_to_ - readable_.data()); }

  // A value, of any kind, inside the containers open now. The 65th level
  // is refused whether it holds a scalar or a container.
  bool Value() {
    if (depth_ == 0) return Refuse("expected a JSON object");
    if (depth_ >= kMaxDepth) return Refuse("nesting deeper than 64");
    return true;
  }
  // `lookahead`: bytes the lexer read past the value's end.
  bool Scalar(size_t lookahead) {
    if (!Value()) return false;
    if (depth_ == 1) EndMember(Read() - lookahead);
    return true;
  }
  bool Open(bool object) {
    if (depth_ == 0 && !object) return Refuse("expected a JSON object");
    if (depth_ > 0 && !Value()) return false;
    if (++depth_ == 1) member_end_ = Read();
    return true;
  }
  bool Close() {
    if (--depth_ == 1) EndMember(Read());
    return true;
  }
  // Only spaces and the ':' lie between the key and its value.
  void EndMember(size_t value_end) {
    const size_t value_start = SkipSpace(text_, text_.find(':', key_end_) + 1);
    members_.back().raw_value = text_.substr(value_start, value_end - value_start);
    member_end_ = value_end;
  }
  bool Refuse(std::string_view what) {
    error_ = Invalid(what, Read() > 0 ? Read() - 1 : 0);
    return false;
  }

  std::string_view text_;
  std::string_view readable_;
  const char* read_to_;  // How far into readable_ the parser has read.
  size_t depth_ = 0;
  size_t member_end_ = 0;  // Where the last member (or the '{') ended.
  size_t key_end_ = 0;     // Where the current member's key ended.
  std::vector<JsonMember> members_;
  Status error_;
};

}  // namespace

Result<std::vector<JsonMember>> ParseJsonObject(std::string_view text) {
  std::string copy;
  return MemberSplitter(text, ReadableByNlohmann(text, &copy)).Run();
}

Result<std::string> DecodeJsonString(std::string_view literal) {
  std::string copy;
  const std::string_view readable = ReadableByNlohmann(literal, &copy);
  Json value = Json::parse(readable.begin(), readable.end(), nullptr, /*allow_exceptions=*/false);
  if (!value.is_string()) return Status::InvalidArgument("not a JSON string");
  return std::move(value.get_ref<std::string&>());
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
    // Where each key first stands, so that a merge stays linear in the
    // members (a duplicate key in `base` keeps its later copies, as the
    // scan this replaced did).
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
