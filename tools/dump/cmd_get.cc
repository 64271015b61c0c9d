// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump get: one user (by id or email) with its accounts, sessions
// and authenticators; one session by its token with its user; one account
// by provider and account id with its user.

#include <CLI/CLI.hpp>
#include <ostream>

#include "dump/commands.h"
#include "dump/dump.h"

namespace authkv::dump {
namespace {

// `record` then its user, as `get` shows a child record.
int PrintWithUser(Inspector& inspector, const Record& record, const DumpOptions& options, Io& io) {
  PrintRecord(record, options, io.out);
  auto user = inspector.GetUser(RecordOwner(record));
  if (!user.ok()) {
    return Fail(io, Status(user.status().code(), "its user " + std::string(RecordOwner(record)) +
                                                     ": " + std::string(user.status().message())));
  }
  if (options.format == ListFormat::kText) io.out << "\n";
  PrintRecord(Record(*user), options, io.out);
  return kExitOk;
}

Status NotFound(const Status& s, const std::string& what) {
  return s.IsNotFound() ? Status::NotFound("no " + what) : s;
}

}  // namespace

int RunGet(std::span<const std::string> argv, Io& io) {
  auto app =
      NewCommand("get",
                 "Shows one record with what hangs off it: a user (by USER_ID or --email) with\n"
                 "its accounts, sessions and authenticators; a session (--token, the cookie\n"
                 "value, looked up by its SHA-256 digest) with its user; an account\n"
                 "(--provider and --account-id) with its user. Reads a secondary view, so it\n"
                 "works while the app runs.");
  std::string db, user_id, email, token, provider, account_id;
  bool json = false;
  DumpOptions options;
  app->add_option("DB", db, "the authkv database directory")->required();
  app->add_option("USER_ID", user_id, "the user's id");
  auto* by_email =
      app->add_option("--email", email, "the user with this email (compared as the database does)")
          ->option_text("EMAIL");
  auto* by_token = app->add_option("--token", token, "the session with this session token")
                       ->option_text("TOKEN");
  auto* by_provider =
      app->add_option("--provider", provider, "the account of this provider (with --account-id)")
          ->option_text("PROVIDER");
  auto* by_account_id =
      app->add_option("--account-id", account_id, "the provider's account id (with --provider)")
          ->option_text("ID")
          ->needs(by_provider);
  by_provider->needs(by_account_id);
  app->add_flag("--json", json, "one JSON object per record");
  app->add_flag("--show-secrets", options.show_secrets,
                "show OAuth tokens instead of redacting them");
  if (auto exit = ParseOrExit(*app, argv, io)) return *exit;
  if (!user_id.empty() + by_email->count() + by_token->count() + by_provider->count() != 1) {
    return UsageError(io, app->get_name(),
                      "give exactly one of USER_ID, --email, --token, --provider/--account-id");
  }
  options.format = json ? ListFormat::kJson : ListFormat::kText;
  options.now_ms = NowMillis();

  auto opened = OpenForReading(db);
  if (!opened.ok()) return Fail(io, opened.status());
  Inspector& inspector = **opened;
  if (by_token->count() > 0) {
    auto session = inspector.GetSession(token);
    if (!session.ok()) return Fail(io, NotFound(session.status(), "session with this token"));
    return PrintWithUser(inspector, Record(*session), options, io);
  }
  if (by_provider->count() > 0) {
    auto account = inspector.GetAccount(provider, account_id);
    if (!account.ok()) {
      return Fail(io, NotFound(account.status(), "account " + provider + "/" + account_id));
    }
    return PrintWithUser(inspector, Record(*account), options, io);
  }
  if (by_email->count() > 0) {
    auto user = inspector.GetUserByEmail(email);
    if (!user.ok()) return Fail(io, NotFound(user.status(), "user with email " + email));
    user_id = user->id;
  }
  ProblemPrinter problems(io);
  auto tree = inspector.GetUserTree(user_id, problems.sink());
  if (!tree.ok()) return Fail(io, NotFound(tree.status(), "user with id " + user_id));
  PrintUserTree(*tree, options, io.out);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
