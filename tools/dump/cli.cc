// authkv: embedded auth-data store. Licensed under the ISC license.

#include "dump/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <ostream>

#include "authkv/clock.h"

namespace authkv::dump {
namespace {

constexpr int64_t kRedrawMs = 100;

// Two-column list with the second column aligned.
void AppendColumns(const std::vector<std::pair<std::string, std::string>>& rows, std::string* out) {
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  for (const auto& [left, right] : rows) {
    *out += "  " + left + std::string(width - left.size() + 2, ' ') + right + "\n";
  }
}

// authkv-dump's --help: "usage: authkv-dump list DB KIND [options]", the
// description, the arguments, then the options with --help last.
class HelpLayout final : public CLI::FormatterBase {
 public:
  std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override {
    std::string usage = "usage: " + std::string(kProgramName) + " " + app->get_name();
    std::vector<std::pair<std::string, std::string>> arguments, options;
    for (const CLI::Option* o : app->get_options()) {
      if (o->get_positional()) {
        usage += o->get_required() ? " " + o->get_name() : " [" + o->get_name() + "]";
        arguments.emplace_back(o->get_name(), o->get_description());
      } else if (o != app->get_help_ptr()) {
        const std::string& value = o->get_option_text();
        options.emplace_back(o->get_name() + (value.empty() ? "" : " " + value),
                             o->get_description());
      }
    }
    if (!options.empty()) usage += " [options]";
    options.emplace_back("--help", app->get_help_ptr()->get_description());
    std::string out = usage + "\n\n" + app->get_description() + "\n";
    if (!arguments.empty()) {
      out += "\narguments:\n";
      AppendColumns(arguments, &out);
    }
    out += "\noptions:\n";
    AppendColumns(options, &out);
    return out;
  }
};

}  // namespace

std::unique_ptr<CLI::App> NewCommand(std::string_view name, std::string_view description) {
  auto app = std::make_unique<CLI::App>(std::string(description), std::string(name));
  app->option_defaults()->disable_flag_override()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  app->set_help_flag("-h,--help", "show this help and exit");
  app->formatter(std::make_shared<HelpLayout>());
  return app;
}

std::optional<int> ParseOrExit(CLI::App& app, std::span<const std::string> argv, Io& io) {
  std::vector<std::string> words(argv.rbegin(), argv.rend());  // CLI11 pops from the back.
  try {
    app.parse(words);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    return UsageError(io, app.get_name(), e.what());
  }
  return std::nullopt;
}

int Fail(Io& io, const Status& status) {
  io.err << kProgramName << ": " << status.message() << "\n";
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
    io_.err << kProgramName << ": " << p.ToString() << "\n";
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
