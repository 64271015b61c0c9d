// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump purge-expired: deletes sessions and verification tokens whose
// expiry has passed.

#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {

int RunPurgeExpired(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "purge-expired",
      "Deletes every session and verification token that expired before now, with\n"
      "their index entries, and says how many went. Needs the database to itself;\n"
      "an app that has it open can purge on its own (Options::purge_interval_ms).",
      {{"DB", "the authkv database directory"}},
      {}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  auto purged = PurgeExpiredAt(args.Positional(0), NowMillis());
  if (!purged.ok()) return Fail(io, purged.status());
  io.out << "purged " << purged->sessions << " session" << (purged->sessions == 1 ? "" : "s")
         << " and " << purged->verification_tokens << " verification token"
         << (purged->verification_tokens == 1 ? "" : "s") << "\n";
  return kExitOk;
}

}  // namespace authkv::dump
