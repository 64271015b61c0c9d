// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump list: the records of one kind, as a table, NDJSON or raw hex.

#include <CLI/CLI.hpp>
#include <charconv>
#include <ostream>

#include "dump/commands.h"
#include "dump/dump.h"

namespace authkv::dump {

int RunList(std::span<const std::string> argv, Io& io) {
  auto app =
      NewCommand("list",
                 "Lists the records of one kind in key order: an aligned table, or NDJSON\n"
                 "(--json) for jq, or the raw stored bytes (--hex). OAuth access, refresh and id\n"
                 "tokens show as <redacted:N bytes> unless --show-secrets; sessions and\n"
                 "verification tokens exist only as SHA-256 digests. Reads a secondary view, so\n"
                 "it works while the app runs.");
  std::string db, kind_name, limit_text;
  bool json = false, hex = false;
  DumpOptions options;
  app->add_option("DB", db, "the authkv database directory")->required();
  app->add_option("KIND", kind_name, "users, accounts, sessions, tokens or authenticators")
      ->required();
  auto* json_flag = app->add_flag("--json", json, "one JSON object per line");
  app->add_flag("--hex", hex, "raw keys and values in hex (key ==> value)")->excludes(json_flag);
  auto* limit = app->add_option("--limit", limit_text, "at most N records")->option_text("N");
  auto* user = app->add_option("--user", options.user_id,
                               "only accounts, sessions or authenticators of this user")
                   ->option_text("ID");
  auto* identifier = app->add_option("--identifier", options.identifier,
                                     "only verification tokens for this identifier")
                         ->option_text("EMAIL");
  app->add_flag("--expired", options.expired_only, "only sessions or tokens past their expiry");
  app->add_flag("--show-secrets", options.show_secrets,
                "show OAuth tokens instead of redacting them");
  if (auto exit = ParseOrExit(*app, argv, io)) return *exit;
  auto kind = ParseListKind(kind_name);
  if (!kind) return UsageError(io, app->get_name(), "unknown kind '" + kind_name + "'");
  options.kind = *kind;
  options.format = json ? ListFormat::kJson : hex ? ListFormat::kHex : ListFormat::kText;
  if (limit->count() > 0) {
    auto [end, ec] =
        std::from_chars(limit_text.data(), limit_text.data() + limit_text.size(), options.limit);
    if (ec != std::errc() || end != limit_text.data() + limit_text.size() || options.limit == 0) {
      return UsageError(io, app->get_name(),
                        "--limit needs a positive number, not '" + limit_text + "'");
    }
  }
  const bool has_owner = *kind == RecordKind::kAccount || *kind == RecordKind::kSession ||
                         *kind == RecordKind::kAuthenticator;
  const bool has_expiry = *kind == RecordKind::kSession || *kind == RecordKind::kVerificationToken;
  if (user->count() > 0 && !has_owner) {
    return UsageError(io, app->get_name(),
                      "--user applies to accounts, sessions and authenticators");
  }
  if (identifier->count() > 0 && *kind != RecordKind::kVerificationToken) {
    return UsageError(io, app->get_name(), "--identifier applies to tokens");
  }
  if (options.expired_only && !has_expiry) {
    return UsageError(io, app->get_name(), "--expired applies to sessions and tokens");
  }
  options.now_ms = NowMillis();

  auto inspector = OpenForReading(db);
  if (!inspector.ok()) return Fail(io, inspector.status());
  ProblemPrinter problems(io);
  Status s = DumpTo(**inspector, options, io.out, problems.sink());
  if (!s.ok()) return Fail(io, s);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
