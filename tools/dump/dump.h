// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump's output, as library functions the subcommands call and the
// tests check against expected text (leveldb's DumpFile shape): listings
// (DumpTo), one record with what hangs off it, and stats. Each record kind
// has one set of text columns, used by tables and by single-record blocks
// alike; JSON comes from authkv/inspect.h's RecordToJson.
//
// Thread safety: pure functions of their arguments (an Inspector is used
// from one thread at a time).

#ifndef AUTHKV_TOOLS_DUMP_DUMP_H_
#define AUTHKV_TOOLS_DUMP_DUMP_H_

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "authkv/inspect.h"

namespace authkv::dump {

enum class ListFormat {
  kText,  // An aligned table for people.
  kJson,  // NDJSON, one RecordToJson object per line, for jq.
  kHex,   // "key ==> value", raw stored bytes in hex (like RocksDB's ldb).
};

struct DumpOptions {
  RecordKind kind = RecordKind::kUser;
  ListFormat format = ListFormat::kText;
  // At most this many records. Default: 0, meaning all.
  uint64_t limit = 0;
  // Only accounts, sessions and authenticators of this user. Default: all.
  std::string user_id;
  // Only verification tokens for this identifier. Default: all.
  std::string identifier;
  // Only sessions and verification tokens past their expiry.
  bool expired_only = false;
  // Show OAuth access, refresh and id tokens instead of "<redacted:N bytes>".
  bool show_secrets = false;
  // What "expired" is judged against, in epoch milliseconds.
  int64_t now_ms = 0;
};

// "users", "accounts", "sessions", "tokens", "authenticators" (and
// "verification_tokens") to a kind; nullopt for anything else.
std::optional<RecordKind> ParseListKind(std::string_view name);

// Writes the records `options` selects, in key order. Records that fail to
// decode go to `problems` and the listing goes on.
Status DumpTo(Inspector& inspector, const DumpOptions& options, std::ostream& out,
              const ProblemSink& problems);

// One record as a titled block of "field  value" lines (every field in
// full), in text; or its JSON line.
void PrintRecord(const Record& record, const DumpOptions& options, std::ostream& out);

// A user with its accounts, sessions and authenticators (text: a block and
// three tables; JSON: one line per record, the user first).
void PrintUserTree(const UserTree& tree, const DumpOptions& options, std::ostream& out);

// `stats` output, as text or as one JSON object.
void PrintStats(const Stats& stats, std::string_view path, bool json, std::ostream& out);

}  // namespace authkv::dump

#endif  // AUTHKV_TOOLS_DUMP_DUMP_H_
