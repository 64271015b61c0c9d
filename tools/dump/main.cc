// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv-dump: inspect, verify, back up and move an authkv database, even
// while the app runs. This file is the command table and the dispatch
// (libgit2's src/cli/main.c shape); each subcommand is a cmd_<name>.cc.
//
// Thread safety: single-threaded program.

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "authkv/store.h"
#include "dump/commands.h"

namespace authkv::dump {
namespace {

struct Command {
  std::string_view name;
  CommandFn fn;
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"stats", RunStats, "count records, bytes per column family, schema version"},
    {"list", RunList, "list users, accounts, sessions, tokens or authenticators"},
    {"get", RunGet, "show a user, session or account with what hangs off it"},
    {"verify", RunVerify, "check checksums, decoding and indexes; --repair rebuilds indexes"},
    {"export", RunExport, "write every record as NDJSON, or as SQL for PostgreSQL"},
    {"import", RunImport, "load an export, or a MikroORM SQLite database, into an empty db"},
    {"backup", RunBackup, "copy the database consistently into a new directory"},
    {"salvage", RunSalvage, "bring what is intact in a damaged database into a new one"},
    {"purge-expired", RunPurgeExpired, "delete expired sessions and verification tokens"},
    {"upgrade", RunUpgrade, "upgrade an older database to this schema version in place"},
};

void PrintUsage(std::ostream& out) {
  out << "usage: " << kProgramName << " <command> DB [arguments] [options]\n\n"
      << "Inspects an authkv database. Read-only commands (stats, list, get, verify,\n"
      << "export) work while an app has the database open; the others need it to\n"
      << "themselves, except backup, which copies a live database too.\n\n"
      << "commands:\n";
  size_t width = 0;
  for (const auto& c : kCommands) width = std::max(width, c.name.size());
  for (const auto& c : kCommands) {
    out << "  " << c.name << std::string(width - c.name.size() + 2, ' ') << c.summary << "\n";
  }
  out << "\nRun '" << kProgramName << " <command> --help' for a command's arguments and options.\n"
      << "Exit status: 0 success, 1 error (including problems found in the data), 2 usage.\n";
}

const Command* FindCommand(std::string_view name) {
  for (const auto& c : kCommands) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int Main(const std::vector<std::string>& words, Io& io) {
  if (words.empty()) {
    PrintUsage(io.err);
    return kExitUsage;
  }
  const std::string& first = words[0];
  if (first == "--help" || first == "-h" || (first == "help" && words.size() == 1)) {
    PrintUsage(io.out);
    return kExitOk;
  }
  if (first == "--version") {
    io.out << kProgramName << " " << AUTHKV_VERSION_STRING << " (schema version " << kSchemaVersion
           << ")\n";
    return kExitOk;
  }
  if (first == "help") {
    const Command* c = FindCommand(words[1]);
    if (!c) return UsageError(io, "", "unknown command '" + words[1] + "'");
    const std::string help[] = {"--help"};
    return c->fn(std::span<const std::string>(help), io);
  }
  const Command* c = FindCommand(first);
  if (!c) {
    io.err << kProgramName << ": unknown command '" << first << "'\n"
           << "Try '" << kProgramName << " --help'.\n";
    return kExitUsage;
  }
  return c->fn(std::span<const std::string>(words).subspan(1), io);
}

}  // namespace
}  // namespace authkv::dump

int main(int argc, char** argv) {
  using namespace authkv::dump;
  // authkv code throws nothing, but the standard library and RocksDB may
  // throw std::bad_alloc; the tool still ends with one line and exit 1.
  try {
    std::vector<std::string> words(argv + 1, argv + argc);
    Io io{std::cout, std::cerr, ::isatty(STDERR_FILENO) == 1};
    const int code = Main(words, io);
    std::cout.flush();
    if (!std::cout) {
      std::cerr << kProgramName << ": writing to stdout failed\n";
      return kExitError;
    }
    return code;
  } catch (const std::exception& e) {
    std::cerr << kProgramName << ": " << e.what() << "\n";
    return kExitError;
  }
}
