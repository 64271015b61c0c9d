// authkv: embedded auth-data store. Licensed under the ISC license.

#include "dump/dump.h"

#include <algorithm>
#include <ostream>
#include <vector>

#include "authkv/overloaded.h"

namespace authkv::dump {
namespace {

// Table cells longer than this are cut (blocks and JSON show them whole).
constexpr size_t kMaxCellWidth = 40;

// Absent shows as "-", null as "null": the store keeps the two apart.
std::string Show(const Nullable<std::string>& v) {
  if (v.is_absent()) return "-";
  return v.is_null() ? "null" : *v;
}

std::string ShowTime(const Nullable<int64_t>& ms) {
  if (ms.is_absent()) return "-";
  return ms.is_null() ? "null" : FormatIsoMillis(*ms);
}

std::string ShowSecret(const Nullable<std::string>& v, const StoredAccount& a,
                       const DumpOptions& o) {
  if (v.is_absent() && !a.sealed_tokens.empty()) return "<encrypted>";
  if (!v.has_value() || o.show_secrets) return Show(v);
  return RedactedText(v->size());
}

std::string ShowState(const Record& r, const DumpOptions& o) {
  return IsExpired(r, o.now_ms) ? "expired" : "active";
}

// One text column of a record kind. `table` false: shown in blocks only.
struct Column {
  std::string_view header;
  std::string (*cell)(const Record&, const DumpOptions&);
  bool table = true;
  bool right = false;
};

const User& U(const Record& r) { return std::get<User>(r); }
const StoredAccount& A(const Record& r) { return std::get<StoredAccount>(r); }
const StoredSession& S(const Record& r) { return std::get<StoredSession>(r); }
const StoredVerificationToken& T(const Record& r) { return std::get<StoredVerificationToken>(r); }
const Authenticator& W(const Record& r) { return std::get<Authenticator>(r); }

// The one text formatter of each record kind.
const std::vector<Column>& ColumnsFor(RecordKind kind) {
  using O = const DumpOptions&;
  static const std::vector<Column> kUsers = {
      {"ID", [](const Record& r, O) { return U(r).id; }},
      {"EMAIL", [](const Record& r, O) { return Show(U(r).email); }},
      {"NAME", [](const Record& r, O) { return Show(U(r).name); }},
      {"EMAIL_VERIFIED", [](const Record& r, O) { return ShowTime(U(r).email_verified_ms); }},
      {"IMAGE", [](const Record& r, O) { return Show(U(r).image); }},
      {"EXTRA_JSON",
       [](const Record& r, O) { return U(r).extra_json.empty() ? "-" : U(r).extra_json; }},
  };
  static const std::vector<Column> kAccounts = {
      {"PROVIDER", [](const Record& r, O) { return A(r).account.provider; }},
      {"PROVIDER_ACCOUNT_ID", [](const Record& r, O) { return A(r).account.provider_account_id; }},
      {"USER_ID", [](const Record& r, O) { return A(r).account.user_id; }},
      {"TYPE", [](const Record& r, O) { return A(r).account.type; }},
      {"SCOPE", [](const Record& r, O) { return Show(A(r).account.scope); }},
      {"EXPIRES_AT",
       [](const Record& r, O) {
         const auto& at = A(r).account.expires_at;  // Epoch seconds.
         if (at.has_value()) return FormatIsoSeconds(*at).value_or(std::to_string(*at));
         return std::string(at.is_null() ? "null" : "-");
       }},
      {"ACCESS_TOKEN",
       [](const Record& r, O o) { return ShowSecret(A(r).account.access_token, A(r), o); }},
      {"REFRESH_TOKEN",
       [](const Record& r, O o) { return ShowSecret(A(r).account.refresh_token, A(r), o); }},
      {"ID_TOKEN", [](const Record& r, O o) { return ShowSecret(A(r).account.id_token, A(r), o); }},
      {"TOKEN_TYPE", [](const Record& r, O) { return Show(A(r).account.token_type); }, false},
      {"SESSION_STATE", [](const Record& r, O) { return Show(A(r).account.session_state); }, false},
      {"EXTRA_JSON",
       [](const Record& r, O) {
         return A(r).account.extra_json.empty() ? "-" : A(r).account.extra_json;
       },
       false},
  };
  static const std::vector<Column> kSessions = {
      {"TOKEN_SHA256", [](const Record& r, O) { return HexString(S(r).token_sha256); }},
      {"USER_ID", [](const Record& r, O) { return S(r).user_id; }},
      {"EXPIRES", [](const Record& r, O) { return FormatIsoMillis(S(r).expires_ms); }},
      {"STATE", [](const Record& r, O o) { return ShowState(r, o); }},
  };
  static const std::vector<Column> kTokens = {
      {"IDENTIFIER", [](const Record& r, O) { return T(r).identifier; }},
      {"TOKEN_SHA256", [](const Record& r, O) { return HexString(T(r).token_sha256); }},
      {"EXPIRES", [](const Record& r, O) { return FormatIsoMillis(T(r).expires_ms); }},
      {"STATE", [](const Record& r, O o) { return ShowState(r, o); }},
  };
  static const std::vector<Column> kAuthenticators = {
      {"CREDENTIAL_ID", [](const Record& r, O) { return W(r).credential_id; }},
      {"USER_ID", [](const Record& r, O) { return W(r).user_id; }},
      {"COUNTER", [](const Record& r, O) { return std::to_string(W(r).counter); }, true, true},
      {"BACKED_UP",
       [](const Record& r, O) { return std::string(W(r).credential_backed_up ? "yes" : "no"); }},
      {"DEVICE_TYPE", [](const Record& r, O) { return W(r).credential_device_type; }},
      {"TRANSPORTS", [](const Record& r, O) { return Show(W(r).transports); }},
      {"PROVIDER_ACCOUNT_ID", [](const Record& r, O) { return W(r).provider_account_id; }, false},
      {"CREDENTIAL_PUBLIC_KEY", [](const Record& r, O) { return W(r).credential_public_key; },
       false},
  };
  switch (kind) {
    case RecordKind::kUser:
      return kUsers;
    case RecordKind::kAccount:
      return kAccounts;
    case RecordKind::kSession:
      return kSessions;
    case RecordKind::kVerificationToken:
      return kTokens;
    case RecordKind::kAuthenticator:
      return kAuthenticators;
  }
  return kUsers;
}

// An aligned text table: columns two spaces apart, no trailing spaces.
class Table {
 public:
  Table(std::vector<std::string> headers, std::vector<bool> right) : right_(std::move(right)) {
    rows_.push_back(std::move(headers));
  }
  void Add(std::vector<std::string> row) {
    for (auto& cell : row) {
      cell = TerminalSafe(cell);  // Stored text may hold control characters.
      if (cell.size() > kMaxCellWidth) cell = cell.substr(0, kMaxCellWidth - 3) + "...";
    }
    rows_.push_back(std::move(row));
  }
  void Print(std::ostream& out) const {
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        const std::string pad(width[i] - row[i].size(), ' ');
        const bool last = i + 1 == row.size();
        if (i > 0) line += "  ";
        line += right_[i] ? pad + row[i] : (last ? row[i] : row[i] + pad);
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

Table TableFor(RecordKind kind) {
  std::vector<std::string> headers;
  std::vector<bool> right;
  for (const auto& c : ColumnsFor(kind)) {
    if (!c.table) continue;
    headers.emplace_back(c.header);
    right.push_back(c.right);
  }
  return Table(std::move(headers), std::move(right));
}

std::vector<std::string> TableRow(const Record& r, const DumpOptions& o) {
  std::vector<std::string> row;
  for (const auto& c : ColumnsFor(KindOf(r))) {
    if (c.table) row.push_back(c.cell(r, o));
  }
  return row;
}

bool Selected(const Record& r, const DumpOptions& o) {
  if (!o.user_id.empty() && RecordOwner(r) != o.user_id) return false;
  if (!o.identifier.empty()) {
    const auto* t = std::get_if<StoredVerificationToken>(&r);
    if (!t || t->identifier != o.identifier) return false;
  }
  return !o.expired_only || IsExpired(r, o.now_ms);
}

bool Filtered(const DumpOptions& o) {
  return !o.user_id.empty() || !o.identifier.empty() || o.expired_only;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

template <typename T>
void PrintChildren(std::string_view title, const std::vector<T>& children, const DumpOptions& o,
                   std::ostream& out) {
  out << "\n" << title << " (" << children.size() << ")\n";
  if (children.empty()) return;
  Table table = TableFor(KindOf(Record(children.front())));
  for (const auto& child : children) table.Add(TableRow(Record(child), o));
  table.Print(out);
}

}  // namespace

std::optional<RecordKind> ParseListKind(std::string_view name) {
  if (name == "users") return RecordKind::kUser;
  if (name == "accounts") return RecordKind::kAccount;
  if (name == "sessions") return RecordKind::kSession;
  if (name == "tokens" || name == "verification_tokens") return RecordKind::kVerificationToken;
  if (name == "authenticators") return RecordKind::kAuthenticator;
  return std::nullopt;
}

Status DumpTo(Inspector& inspector, const DumpOptions& o, std::ostream& out,
              const ProblemSink& problems) {
  uint64_t shown = 0;
  auto more = [&] { return o.limit == 0 || ++shown < o.limit; };
  if (o.format == ListFormat::kHex) {
    return inspector.ScanRaw(o.kind, [&](std::string_view key, std::string_view value) {
      if (Filtered(o)) {
        // Filters judge the decoded record; the listing stays raw.
        auto record = DecodeRecord(o.kind, key, value);
        if (!record.ok()) {
          if (problems) {
            problems(Problem::AtKey(RecordFamilyName(o.kind), key,
                                    std::string(record.status().message())));
          }
          return true;
        }
        if (!Selected(*record, o)) return true;
      }
      out << HexString(key) << " ==> " << HexString(value) << "\n";
      return more();
    });
  }
  Table table = TableFor(o.kind);
  const JsonOptions json{.show_secrets = o.show_secrets};
  Status s = inspector.Scan(
      o.kind,
      [&](const Record& r) {
        if (!Selected(r, o)) return true;
        if (o.format == ListFormat::kJson) {
          out << RecordToJson(r, json) << "\n";
        } else {
          table.Add(TableRow(r, o));
        }
        return more();
      },
      problems);
  if (o.format == ListFormat::kText) table.Print(out);
  return s;
}

void PrintRecord(const Record& record, const DumpOptions& o, std::ostream& out) {
  if (o.format == ListFormat::kJson) {
    out << RecordToJson(record, JsonOptions{.show_secrets = o.show_secrets}) << "\n";
    return;
  }
  const auto& columns = ColumnsFor(KindOf(record));
  size_t width = 0;
  for (const auto& c : columns) width = std::max(width, c.header.size());
  out << RecordKindName(KindOf(record)) << "\n";
  for (const auto& c : columns) {
    out << "  " << Lower(c.header) << std::string(width - c.header.size() + 2, ' ')
        << TerminalSafe(c.cell(record, o)) << "\n";
  }
}

void PrintUserTree(const UserTree& tree, const DumpOptions& o, std::ostream& out) {
  PrintRecord(Record(tree.user), o, out);
  if (o.format == ListFormat::kJson) {
    for (const auto& a : tree.accounts) PrintRecord(Record(a), o, out);
    for (const auto& s : tree.sessions) PrintRecord(Record(s), o, out);
    for (const auto& w : tree.authenticators) PrintRecord(Record(w), o, out);
    return;
  }
  PrintChildren("accounts", tree.accounts, o, out);
  PrintChildren("sessions", tree.sessions, o, out);
  PrintChildren("authenticators", tree.authenticators, o, out);
}

void PrintStats(const Stats& stats, std::string_view path, bool json, std::ostream& out) {
  const uint64_t expired[5] = {0, 0, stats.expired_sessions, stats.expired_verification_tokens, 0};
  auto has_expiry = [](RecordKind k) {
    return k == RecordKind::kSession || k == RecordKind::kVerificationToken;
  };
  if (json) {
    out << "{\"database\":" << JsonQuote(path) << ",\"schema_version\":" << stats.schema_version
        << ",\"email_match\":" << JsonQuote(EmailMatchName(stats.email_match)) << ",\"records\":{";
    for (RecordKind k : kAllRecordKinds) {
      out << (k == RecordKind::kUser ? "" : ",") << JsonQuote(RecordFamilyName(k)) << ":"
          << stats.records[static_cast<size_t>(k)];
    }
    out << "},\"expired\":{\"sessions\":" << stats.expired_sessions
        << ",\"verification_tokens\":" << stats.expired_verification_tokens << "},\"families\":[";
    for (size_t i = 0; i < stats.families.size(); ++i) {
      const auto& f = stats.families[i];
      out << (i ? "," : "") << "{\"name\":" << JsonQuote(f.name) << ",\"keys\":" << f.keys
          << ",\"bytes\":" << f.bytes << ",\"sst_bytes\":" << f.sst_bytes << "}";
    }
    out << "]}\n";
    return;
  }
  Table about({"database", std::string(path)}, {false, false});
  about.Add({"schema version", std::to_string(stats.schema_version)});
  about.Add({"email match", std::string(EmailMatchName(stats.email_match))});
  about.Print(out);
  out << "\n";
  Table records({"RECORDS", "COUNT", "EXPIRED"}, {false, true, true});
  for (RecordKind k : kAllRecordKinds) {
    const auto i = static_cast<size_t>(k);
    records.Add({std::string(RecordFamilyName(k)), std::to_string(stats.records[i]),
                 has_expiry(k) ? std::to_string(expired[i]) : "-"});
  }
  records.Print(out);
  out << "\n";
  Table families({"FAMILY", "KEYS", "BYTES", "SST_BYTES"}, {false, true, true, true});
  for (const auto& f : stats.families) {
    families.Add(
        {f.name, std::to_string(f.keys), std::to_string(f.bytes), std::to_string(f.sst_bytes)});
  }
  families.Print(out);
}

}  // namespace authkv::dump
