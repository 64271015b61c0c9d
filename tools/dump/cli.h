// authkv: embedded auth-data store. Licensed under the ISC license.
//
// What every authkv-dump subcommand shares: its option table and the parser
// and --help text generated from it (kebab-case long options, `--flag VALUE`
// and `--flag=VALUE`), exit codes, one-line errors, the problem printer and
// the progress meter.
//
// Thread safety: used from the main thread only.

#ifndef AUTHKV_TOOLS_DUMP_CLI_H_
#define AUTHKV_TOOLS_DUMP_CLI_H_

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "authkv/inspect.h"

namespace authkv::dump {

inline constexpr std::string_view kProgramName = "authkv-dump";

// Exit codes scripts can rely on.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // Anything went wrong, data included.
inline constexpr int kExitUsage = 2;  // The command line was wrong.

// Where a command writes. Progress goes to `err` only when it is a terminal.
struct Io {
  std::ostream& out;
  std::ostream& err;
  bool err_is_tty = false;
};

struct Flag {
  std::string_view name;        // "limit" for --limit.
  std::string_view value_name;  // "N"; empty for a switch.
  std::string_view help;
};

struct Positional {
  std::string_view name;  // "DB".
  std::string_view help;
  bool optional = false;  // Optional ones come last.
};

// One subcommand's command line, which both parsing and --help read.
struct CommandSpec {
  std::string_view name;
  std::string_view description;  // Shown by --help under the usage line.
  std::vector<Positional> positionals;
  std::vector<Flag> flags;
};

// A parsed command line.
class Args {
 public:
  bool Has(std::string_view flag) const;
  // The flag's value, or `fallback` when it was not given.
  std::string Value(std::string_view flag, std::string_view fallback = {}) const;
  // The i-th positional argument, or "" when not given.
  std::string Positional(size_t i) const;

 private:
  friend std::optional<int> ParseOrExit(const CommandSpec&, std::span<const std::string>, Io&,
                                        Args*);
  std::vector<std::pair<std::string, std::string>> flags_;
  std::vector<std::string> positionals_;
};

// --help text: usage line, description, arguments and options.
std::string HelpText(const CommandSpec& spec);

// Parses `argv` (the words after the subcommand name) into *args. Returns
// nullopt to go on, or the exit code after printing --help (kExitOk) or a
// usage error (kExitUsage).
std::optional<int> ParseOrExit(const CommandSpec& spec, std::span<const std::string> argv, Io& io,
                               Args* args);

// Prints "authkv-dump: <message>" and returns kExitError.
int Fail(Io& io, const Status& status);
// Prints "authkv-dump: <message>" and a pointer to --help; kExitUsage.
int UsageError(Io& io, std::string_view command, std::string_view message);

// Prints each problem as "authkv-dump: <where>: <reason>" and counts them.
class ProblemPrinter {
 public:
  explicit ProblemPrinter(Io& io) : io_(io) {}
  ProblemSink sink();
  size_t count() const { return count_; }

 private:
  Io& io_;
  size_t count_ = 0;
};

// A progress callback that redraws one line on stderr at most every 100 ms
// when stderr is a terminal, and does nothing otherwise. The line is
// cleared when the returned object is destroyed.
class ProgressMeter {
 public:
  explicit ProgressMeter(Io& io) : io_(io) {}
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;
  ProgressFn fn();

 private:
  Io& io_;
  int64_t last_ms_ = 0;
  bool drawn_ = false;
};

// Opens DB for a read-only subcommand: a secondary instance, so it works
// while an app has the database open.
Result<std::unique_ptr<Inspector>> OpenForReading(const std::string& path);

// Milliseconds since the epoch, by the wall clock.
int64_t NowMillis();

}  // namespace authkv::dump

#endif  // AUTHKV_TOOLS_DUMP_CLI_H_
