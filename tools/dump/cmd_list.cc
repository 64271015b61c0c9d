// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump list: the records of one kind, as a table, NDJSON or raw hex.

#include <charconv>
#include <ostream>

#include "dump/commands.h"
#include "dump/dump.h"

namespace authkv::dump {

int RunList(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "list",
      "Lists the records of one kind in key order: an aligned table, or NDJSON\n"
      "(--json) for jq, or the raw stored bytes (--hex). OAuth access, refresh and id\n"
      "tokens show as <redacted:N bytes> unless --show-secrets; sessions and\n"
      "verification tokens exist only as SHA-256 digests. Reads a secondary view, so\n"
      "it works while the app runs.",
      {{"DB", "the authkv database directory"},
       {"KIND", "users, accounts, sessions, tokens or authenticators"}},
      {{"json", "", "one JSON object per line"},
       {"hex", "", "raw keys and values in hex (key ==> value)"},
       {"limit", "N", "at most N records"},
       {"user", "ID", "only accounts, sessions or authenticators of this user"},
       {"identifier", "EMAIL", "only verification tokens for this identifier"},
       {"expired", "", "only sessions or tokens past their expiry"},
       {"show-secrets", "", "show OAuth tokens instead of redacting them"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  DumpOptions options;
  auto kind = ParseListKind(args.Positional(1));
  if (!kind) return UsageError(io, kSpec.name, "unknown kind '" + args.Positional(1) + "'");
  options.kind = *kind;
  if (args.Has("json") && args.Has("hex")) {
    return UsageError(io, kSpec.name, "--json and --hex exclude each other");
  }
  options.format = args.Has("json")  ? ListFormat::kJson
                   : args.Has("hex") ? ListFormat::kHex
                                     : ListFormat::kText;
  if (args.Has("limit")) {
    const std::string limit = args.Value("limit");
    auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), options.limit);
    if (ec != std::errc() || end != limit.data() + limit.size() || options.limit == 0) {
      return UsageError(io, kSpec.name, "--limit needs a positive number, not '" + limit + "'");
    }
  }
  const bool has_owner = *kind == RecordKind::kAccount || *kind == RecordKind::kSession ||
                         *kind == RecordKind::kAuthenticator;
  const bool has_expiry = *kind == RecordKind::kSession || *kind == RecordKind::kVerificationToken;
  if (args.Has("user") && !has_owner) {
    return UsageError(io, kSpec.name, "--user applies to accounts, sessions and authenticators");
  }
  if (args.Has("identifier") && *kind != RecordKind::kVerificationToken) {
    return UsageError(io, kSpec.name, "--identifier applies to tokens");
  }
  if (args.Has("expired") && !has_expiry) {
    return UsageError(io, kSpec.name, "--expired applies to sessions and tokens");
  }
  options.user_id = args.Value("user");
  options.identifier = args.Value("identifier");
  options.expired_only = args.Has("expired");
  options.show_secrets = args.Has("show-secrets");
  options.now_ms = NowMillis();

  auto inspector = OpenForReading(args.Positional(0));
  if (!inspector.ok()) return Fail(io, inspector.status());
  ProblemPrinter problems(io);
  Status s = DumpTo(**inspector, options, io.out, problems.sink());
  if (!s.ok()) return Fail(io, s);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
