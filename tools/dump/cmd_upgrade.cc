// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump upgrade: brings a database of an older schema version up to
// this authkv's, in place (what the app's first writable open does too).

#include <ostream>

#include "dump/commands.h"

namespace authkv::dump {

int RunUpgrade(std::span<const std::string> argv, Io& io) {
  static const CommandSpec kSpec{
      "upgrade",
      "Upgrades the database to this authkv's schema version in place, or finishes\n"
      "an upgrade a crash interrupted, and says the version it is at. Refuses, and\n"
      "changes nothing, if two users' emails would become one address under the\n"
      "new email matching, naming them. Needs the database to itself.",
      {{"DB", "the authkv database directory"}},
      {}};
  Args args;
  if (auto exit = ParseOrExit(kSpec, argv, io, &args)) return *exit;
  auto version = UpgradeAt(args.Positional(0));
  if (!version.ok()) return Fail(io, version.status());
  io.out << args.Positional(0) << " is at schema version " << *version << "\n";
  return kExitOk;
}

}  // namespace authkv::dump
