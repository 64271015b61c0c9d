// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump get: one user (by id or email) with its accounts, sessions
// and authenticators; one session by its token with its user; one account
// by provider and account id with its user.

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
  static const CommandSpec kSpec{
      "get",
      "Shows one record with what hangs off it: a user (by USER_ID or --email) with\n"
      "its accounts, sessions and authenticators; a session (--token, the cookie\n"
      "value, looked up by its SHA-256 digest) with its user; an account\n"
      "(--provider and --account-id) with its user. Reads a secondary view, so it\n"
      "works while the app runs.",
      {{"DB", "the authkv database directory"}, {"USER_ID", "the user's id", true}},
      {{"email", "EMAIL", "the user with this email (compared as the database does)"},
       {"token", "TOKEN", "the session with this session token"},
       {"provider", "PROVIDER", "the account of this provider (with --account-id)"},
       {"account-id", "ID", "the provider's account id (with --provider)"},
       {"json", "", "one JSON object per record"},
       {"show-secrets", "", "show OAuth tokens instead of redacting them"}}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  const int selectors = !args.Positional(1).empty() + args.Has("email") + args.Has("token") +
                        (args.Has("provider") || args.Has("account-id"));
  if (selectors != 1) {
    return UsageError(io, kSpec.name,
                      "give exactly one of USER_ID, --email, --token, --provider/--account-id");
  }
  if (args.Has("provider") != args.Has("account-id")) {
    return UsageError(io, kSpec.name, "--provider and --account-id go together");
  }
  DumpOptions options;
  options.format = args.Has("json") ? ListFormat::kJson : ListFormat::kText;
  options.show_secrets = args.Has("show-secrets");
  options.now_ms = NowMillis();

  auto opened = OpenForReading(args.Positional(0));
  if (!opened.ok()) return Fail(io, opened.status());
  Inspector& inspector = **opened;
  if (args.Has("token")) {
    auto session = inspector.GetSession(args.Value("token"));
    if (!session.ok()) return Fail(io, NotFound(session.status(), "session with this token"));
    return PrintWithUser(inspector, Record(*session), options, io);
  }
  if (args.Has("provider")) {
    const std::string provider = args.Value("provider");
    const std::string account_id = args.Value("account-id");
    auto account = inspector.GetAccount(provider, account_id);
    if (!account.ok()) {
      return Fail(io, NotFound(account.status(), "account " + provider + "/" + account_id));
    }
    return PrintWithUser(inspector, Record(*account), options, io);
  }
  std::string user_id = args.Positional(1);
  if (args.Has("email")) {
    auto user = inspector.GetUserByEmail(args.Value("email"));
    if (!user.ok()) {
      return Fail(io, NotFound(user.status(), "user with email " + args.Value("email")));
    }
    user_id = user->id;
  }
  ProblemPrinter problems(io);
  auto tree = inspector.GetUserTree(user_id, problems.sink());
  if (!tree.ok()) return Fail(io, NotFound(tree.status(), "user with id " + user_id));
  PrintUserTree(*tree, options, io.out);
  return problems.count() ? kExitError : kExitOk;
}

}  // namespace authkv::dump
