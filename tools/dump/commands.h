// authkv: embedded auth-data store. Licensed under the ISC license.
//
// The authkv-dump subcommands, one per cmd_<name>.cc. Each parses its own
// command line (the words after its name) from its option table, and
// returns the process exit code (cli.h).
//
// Thread safety: called from the main thread only.

#ifndef AUTHKV_TOOLS_DUMP_COMMANDS_H_
#define AUTHKV_TOOLS_DUMP_COMMANDS_H_

#include <span>
#include <string>

#include "dump/cli.h"

namespace authkv::dump {

using CommandFn = int (*)(std::span<const std::string> args, Io& io);

int RunStats(std::span<const std::string> args, Io& io);
int RunList(std::span<const std::string> args, Io& io);
int RunGet(std::span<const std::string> args, Io& io);
int RunVerify(std::span<const std::string> args, Io& io);
int RunExport(std::span<const std::string> args, Io& io);
int RunImport(std::span<const std::string> args, Io& io);
int RunBackup(std::span<const std::string> args, Io& io);
int RunSalvage(std::span<const std::string> args, Io& io);
int RunPurgeExpired(std::span<const std::string> args, Io& io);
int RunUpgrade(std::span<const std::string> args, Io& io);

}  // namespace authkv::dump

#endif  // AUTHKV_TOOLS_DUMP_COMMANDS_H_
