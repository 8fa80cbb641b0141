#include "cli/command_line.hpp"

#include "cli/options.hpp"

#include <set>

namespace keeper_rotate::host {

namespace {

// What a message may show of an argument: never the part after '=', which could be a value typed with a
// misspelt option name (`--tokn=SECRET` must not echo the token to stderr).
std::string_view namePart(std::string_view arg) { return arg.substr(0, arg.find('=')); }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// The full names an unknown long name is a prefix of, for the hint that options are never abbreviated.
std::string abbreviationHint(std::string_view name, const std::vector<OptionSpec>& options) {
  if (name.empty()) return {};
  std::string names;
  for (const auto& o : options) {
    if (o.name.size() > name.size() && o.name.compare(0, name.size(), name) == 0)
      names += (names.empty() ? "" : ", ") + std::string("--") + std::string(o.name);
  }
  return names.empty() ? std::string() : " (options are not abbreviated; did you mean " + names + "?)";
}

class Parser {
 public:
  Parser(int argc, const char* const* argv, const std::vector<OptionSpec>& options, const OptionHandler& onOption)
      : argc_(argc), argv_(argv), options_(options), onOption_(onOption) {}

  std::vector<std::string> run() {
    std::vector<std::string> positionals;
    bool optionsEnded = false;
    for (next_ = 1; next_ < argc_;) {
      const std::string_view arg = argv_[next_++];
      if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
        positionals.emplace_back(arg);
      } else if (arg == "--") {
        optionsEnded = true;
      } else if (arg[1] == '-') {
        longOption(arg);
      } else {
        shortOption(arg);
      }
    }
    return positionals;
  }

 private:
  void longOption(std::string_view arg) {
    const std::string_view body = arg.substr(2);
    const auto eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    const OptionSpec* spec = nullptr;
    for (const auto& o : options_) {
      if (o.name == name) spec = &o;
    }
    if (name.empty()) throw UsageError("an option name is missing before '=' in " + quoted("--="));
    if (spec == nullptr)
      throw UsageError("unknown option " + quoted(namePart(arg)) + abbreviationHint(name, options_));
    const std::string display = "--" + std::string(spec->name);
    countUse(*spec, display);
    if (!spec->takesArgument()) {
      if (eq != std::string_view::npos) throw UsageError("option " + display + " takes no value");
      onOption_(*spec, {});
    } else if (eq != std::string_view::npos) {
      onOption_(*spec, body.substr(eq + 1));
    } else {
      onOption_(*spec, nextArgument(*spec, display));
    }
  }

  void shortOption(std::string_view arg) {
    const OptionSpec* spec = nullptr;
    for (const auto& o : options_) {
      if (o.shortName != '\0' && o.shortName == arg[1]) spec = &o;
    }
    if (spec == nullptr) throw UsageError("unknown option " + quoted(namePart(arg)));
    const std::string display = "-" + std::string(1, spec->shortName);
    countUse(*spec, display);
    const std::string_view rest = arg.substr(2);
    if (!spec->takesArgument()) {
      if (!rest.empty())
        throw UsageError("option " + display + " takes no value, in " + quoted(namePart(arg)) +
                         " (short options are not combined; long options start with --)");
      onOption_(*spec, {});
    } else if (!rest.empty()) {
      onOption_(*spec, rest);
    } else {
      onOption_(*spec, nextArgument(*spec, display));
    }
  }

  std::string_view nextArgument(const OptionSpec& spec, const std::string& display) {
    if (next_ >= argc_) throw UsageError("option " + display + " needs an argument (" + std::string(spec.argument) + ")");
    return argv_[next_++];
  }

  void countUse(const OptionSpec& spec, const std::string& display) {
    if (!used_.insert(spec.name).second && !spec.repeatable)
      throw UsageError("option " + display + " given more than once");
  }

  const int argc_;
  const char* const* argv_;
  const std::vector<OptionSpec>& options_;
  const OptionHandler& onOption_;
  int next_ = 1;
  std::set<std::string_view> used_;
};

}  // namespace

std::vector<std::string> parseCommandLine(int argc, const char* const* argv, const std::vector<OptionSpec>& options,
                                          const OptionHandler& onOption) {
  return Parser(argc, argv, options, onOption).run();
}

}  // namespace keeper_rotate::host
