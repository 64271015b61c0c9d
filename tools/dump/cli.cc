// authkv: embedded auth-data store. Licensed under the ISC license.

#include "dump/cli.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include "authkv/clock.h"

namespace authkv::dump {
namespace {

constexpr int64_t kRedrawMs = 100;

const Flag kHelpFlag{"help", "", "show this help and exit"};

const Flag* FindFlag(const CommandSpec& spec, std::string_view name) {
  if (name == kHelpFlag.name) return &kHelpFlag;
  for (const auto& f : spec.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string UsageLine(const CommandSpec& spec) {
  std::string line = "usage: " + std::string(kProgramName) + " " + std::string(spec.name);
  for (const auto& p : spec.positionals) {
    line += p.optional ? " [" + std::string(p.name) + "]" : " " + std::string(p.name);
  }
  if (!spec.flags.empty()) line += " [options]";
  return line;
}

// Two-column list with the second column aligned.
void AppendColumns(const std::vector<std::pair<std::string, std::string_view>>& rows,
                   std::string* out) {
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  for (const auto& [left, right] : rows) {
    *out += "  " + left + std::string(width - left.size() + 2, ' ') + std::string(right) + "\n";
  }
}

}  // namespace

bool Args::Has(std::string_view flag) const {
  return std::any_of(flags_.begin(), flags_.end(), [&](const auto& f) { return f.first == flag; });
}

std::string Args::Value(std::string_view flag, std::string_view fallback) const {
  // The last occurrence wins, as with most command-line tools.
  for (auto it = flags_.rbegin(); it != flags_.rend(); ++it) {
    if (it->first == flag) return it->second;
  }
  return std::string(fallback);
}

std::string Args::Positional(size_t i) const {
  return i < positionals_.size() ? positionals_[i] : std::string();
}

std::string HelpText(const CommandSpec& spec) {
  std::string out = UsageLine(spec) + "\n\n" + std::string(spec.description) + "\n";
  if (!spec.positionals.empty()) {
    out += "\narguments:\n";
    std::vector<std::pair<std::string, std::string_view>> rows;
    for (const auto& p : spec.positionals) rows.emplace_back(std::string(p.name), p.help);
    AppendColumns(rows, &out);
  }
  out += "\noptions:\n";
  std::vector<std::pair<std::string, std::string_view>> rows;
  for (const auto& f : spec.flags) {
    std::string left = "--" + std::string(f.name);
    if (!f.value_name.empty()) left += " " + std::string(f.value_name);
    rows.emplace_back(std::move(left), f.help);
  }
  rows.emplace_back("--help", kHelpFlag.help);
  AppendColumns(rows, &out);
  return out;
}

std::optional<int> ParseOrExit(const CommandSpec& spec, std::span<const std::string> argv, Io& io,
                               Args* args) {
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (options_done || word.size() < 2 || word[0] != '-' || word == "-") {
      args->positionals_.push_back(word);
      continue;
    }
    if (word == "--") {
      options_done = true;
      continue;
    }
    if (word == "-h") {
      io.out << HelpText(spec);
      return kExitOk;
    }
    if (word.rfind("--", 0) != 0) {
      return UsageError(io, spec.name, "unknown option " + word);
    }
    const size_t eq = word.find('=');
    const std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const Flag* flag = FindFlag(spec, name);
    if (!flag) return UsageError(io, spec.name, "unknown option --" + name);
    if (flag == &kHelpFlag) {
      io.out << HelpText(spec);
      return kExitOk;
    }
    std::string value;
    if (flag->value_name.empty()) {
      if (eq != std::string::npos) {
        return UsageError(io, spec.name, "option --" + name + " takes no value");
      }
    } else if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return UsageError(
          io, spec.name,
          "option --" + name + " needs a value (" + std::string(flag->value_name) + ")");
    }
    args->flags_.emplace_back(name, std::move(value));
  }
  size_t required = 0;
  for (const auto& p : spec.positionals) required += p.optional ? 0 : 1;
  if (args->positionals_.size() < required) {
    return UsageError(io, spec.name,
                      "missing " + std::string(spec.positionals[args->positionals_.size()].name));
  }
  if (args->positionals_.size() > spec.positionals.size()) {
    return UsageError(io, spec.name,
                      "unexpected argument '" + args->positionals_[spec.positionals.size()] + "'");
  }
  return std::nullopt;
}

int Fail(Io& io, const Status& status) {
  io.err << kProgramName << ": " << TerminalSafe(status.message()) << "\n";
  return kExitError;
}

int UsageError(Io& io, std::string_view command, std::string_view message) {
  io.err << kProgramName << ": " << message << "\n"
         << "Try '" << kProgramName << " " << command << " --help'.\n";
  return kExitUsage;
}

ProblemSink ProblemPrinter::sink() {
  return [this](const Problem& p) {
    ++count_;
    io_.err << kProgramName << ": " << TerminalSafe(p.ToString()) << "\n";
  };
}

ProgressMeter::~ProgressMeter() {
  if (drawn_) io_.err << "\r\033[K" << std::flush;
}

ProgressFn ProgressMeter::fn() {
  if (!io_.err_is_tty) return {};
  return [this](std::string_view what, uint64_t done) {
    const int64_t now = NowMillis();
    if (now - last_ms_ < kRedrawMs) return;
    last_ms_ = now;
    drawn_ = true;
    io_.err << "\r\033[K" << what << ": " << done << " ..." << std::flush;
  };
}

Result<std::unique_ptr<Inspector>> OpenForReading(const std::string& path) {
  InspectOptions options;
  options.mode = OpenMode::kSecondary;
  return Inspector::Open(path, options);
}

int64_t NowMillis() { return Clock::System()->NowMillis(); }

}  // namespace authkv::dump
