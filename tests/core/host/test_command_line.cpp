// The command line (core/host/src/cli/command_line.hpp, host_options.hpp): every option form through the
// production parser and keeper-rotate's own option table, the usage errors with the option they name, `--`, the
// token going into a Secret, the help table generated from the same definitions, and the real binary's exit codes.
#include "cli/command_line.hpp"
#include "cli/host_options.hpp"
#include "cli/option_help.hpp"
#include "support/scenario.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <optional>
#include <string>
#include <vector>

using keeper_rotate::host::CliOptions;
using keeper_rotate::host::hostOptions;
using keeper_rotate::host::LogFormat;
using keeper_rotate::host::OptionSpec;
using keeper_rotate::host::parseCommandLine;
using keeper_rotate::host::parseHostCommandLine;
using keeper_rotate::host::UsageError;
using namespace krtest;

namespace {

/// argv for the parser: "keeper-rotate" then `args`; the strings stay owned by the caller's vector.
std::vector<const char*> argvOf(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"keeper-rotate"};
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return argv;
}

CliOptions parse(const std::vector<std::string>& args) {
  const auto argv = argvOf(args);
  return parseHostCommandLine(static_cast<int>(argv.size() - 1), argv.data());
}

/// The UsageError message parsing `args` gives; fails the check (and returns "") when parsing succeeds.
std::string usageError(const std::vector<std::string>& args) {
  try {
    parse(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL_CHECK("no usage error for the arguments given");
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A table of its own for the generic parser: one flag with a short form, one option with an argument and a short
// form, a repeatable one.
const std::vector<OptionSpec> kTable = {
    {"all", 'a', "", false, "a flag"},
    {"name", 'n', "NAME", false, "an option with an argument"},
    {"add", '\0', "X", true, "repeatable"},
};

struct Use {
  std::string name;
  std::string value;
  bool operator==(const Use& o) const { return name == o.name && value == o.value; }
};

struct Parsed {
  std::vector<Use> uses;
  std::vector<std::string> positionals;
};

Parsed parseWithTable(const std::vector<std::string>& args) {
  const auto argv = argvOf(args);
  Parsed p;
  p.positionals = parseCommandLine(static_cast<int>(argv.size() - 1), argv.data(), kTable,
                                   [&p](const OptionSpec& o, std::string_view value) {
                                     p.uses.push_back({std::string(o.name), std::string(value)});
                                   });
  return p;
}

std::string tableError(const std::vector<std::string>& args) {
  try {
    parseWithTable(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL_CHECK("no usage error for the arguments given");
  return {};
}

const OptionSpec* hostOption(std::string_view name) {
  for (const auto& o : hostOptions())
    if (o.name == name) return &o;
  return nullptr;
}

/// A value that the option accepts (some options check theirs).
std::string validValue(std::string_view name) {
  if (name == "log-format") return "json";
  if (name == "server-public-key-id") return "7";
  return "v-" + std::string(name);
}

}  // namespace

TEST_CASE("command line: long options as --name, --name=value and --name value, short -a and -n VALUE") {
  CHECK(parseWithTable({"--all"}).uses == std::vector<Use>{{"all", ""}});
  CHECK(parseWithTable({"-a"}).uses == std::vector<Use>{{"all", ""}});
  CHECK(parseWithTable({"--name=x1"}).uses == std::vector<Use>{{"name", "x1"}});
  CHECK(parseWithTable({"--name", "x2"}).uses == std::vector<Use>{{"name", "x2"}});
  CHECK(parseWithTable({"-n", "x3"}).uses == std::vector<Use>{{"name", "x3"}});
  CHECK(parseWithTable({"-nx4"}).uses == std::vector<Use>{{"name", "x4"}});
  const auto p = parseWithTable({"--add=1", "--add", "2", "-a", "pos", "-n", "x"});
  CHECK(p.uses == std::vector<Use>{{"add", "1"}, {"add", "2"}, {"all", ""}, {"name", "x"}});
  CHECK(p.positionals == std::vector<std::string>{"pos"});
}

TEST_CASE("command line: the value after a separate argument is taken literally, = may give an empty value") {
  CHECK(parseWithTable({"--name", "--all"}).uses == std::vector<Use>{{"name", "--all"}});
  CHECK(parseWithTable({"--name", "-"}).uses == std::vector<Use>{{"name", "-"}});
  CHECK(parseWithTable({"--name", "--"}).uses == std::vector<Use>{{"name", "--"}});
  CHECK(parseWithTable({"--name="}).uses == std::vector<Use>{{"name", ""}});
  CHECK(parseWithTable({"--name=a=b"}).uses == std::vector<Use>{{"name", "a=b"}});
}

TEST_CASE("command line: options before, between and after positionals, repeatable options in order") {
  const auto p = parseWithTable({"--add", "1", "first", "--add=2", "second", "--all", "--add", "3"});
  CHECK(p.positionals == std::vector<std::string>{"first", "second"});
  CHECK(p.uses == std::vector<Use>{{"add", "1"}, {"add", "2"}, {"all", ""}, {"add", "3"}});
}

TEST_CASE("command line: a lone -- ends the options, a lone - is a positional") {
  const auto p = parseWithTable({"-", "--all", "--", "--name=x", "-a", "--", "-"});
  CHECK(p.uses == std::vector<Use>{{"all", ""}});
  CHECK(p.positionals == std::vector<std::string>{"-", "--name=x", "-a", "--", "-"});
  CHECK(parseWithTable({"--"}).positionals.empty());
}

TEST_CASE("command line: unknown, abbreviated, case-folded, missing-argument and flag-with-value errors name the option") {
  CHECK(contains(tableError({"--nope"}), "unknown option '--nope'"));
  CHECK(contains(tableError({"-z"}), "unknown option '-z'"));
  // Prefixes are never completed, not even unambiguous ones, and the message lists what was probably meant.
  const std::string abbreviated = tableError({"--nam", "x"});
  CHECK(contains(abbreviated, "unknown option '--nam'"));
  CHECK(contains(abbreviated, "not abbreviated"));
  CHECK(contains(abbreviated, "--name"));
  CHECK(contains(tableError({"--ALL"}), "unknown option '--ALL'"));
  CHECK(contains(tableError({"--name"}), "option --name needs an argument (NAME)"));
  CHECK(contains(tableError({"-n"}), "option -n needs an argument (NAME)"));
  CHECK(contains(tableError({"--all=yes"}), "option --all takes no value"));
  CHECK(contains(tableError({"-ayes"}), "option -a takes no value"));
  CHECK(contains(tableError({"--all", "-a"}), "option -a given more than once"));
  CHECK(contains(tableError({"--=x"}), "option name is missing"));
  CHECK(contains(tableError({"--name:x"}), "unknown option '--name:x'"));
}

TEST_CASE("command line: a misspelt option's value is not repeated in the message") {
  const std::string message = tableError({"--nmae=hunter2-value"});
  CHECK(contains(message, "'--nmae'"));
  CHECK_FALSE(contains(message, "hunter2"));
}

TEST_CASE("command line: the first bad option stops parsing before later options are handled") {
  std::vector<std::string> seen;
  const std::vector<std::string> args = {"--all", "--nope", "--name=x"};
  const auto argv = argvOf(args);
  CHECK_THROWS_AS(parseCommandLine(static_cast<int>(argv.size() - 1), argv.data(), kTable,
                                   [&seen](const OptionSpec& o, std::string_view) { seen.emplace_back(o.name); }),
                  UsageError);
  CHECK(seen == std::vector<std::string>{"all"});
}

TEST_CASE("host options: every option with an argument in both forms, every flag, short -h and -v") {
  const auto a = parse({"--input=in.json", "--plugin-dir=/p1", "--ksm-config=k.json", "--log-format=json",
                        "--format=json", "--token=tok-1", "--hostname=keepersecurity.eu", "--out=o.json",
                        "--server-public-key-id=10", "--server-public-key=QUJD", "ksm", "init"});
  CHECK(a.inputFile == "in.json");
  CHECK(a.pluginDirs == std::vector<std::string>{"/p1"});
  CHECK(a.ksmConfig == "k.json");
  CHECK(a.logFormat == LogFormat::Json);
  CHECK(a.format == "json");
  CHECK(a.tokenGiven);
  CHECK(a.token.equals("tok-1"));
  CHECK(a.hostname == "keepersecurity.eu");
  CHECK(a.out == "o.json");
  CHECK(a.serverPublicKeyId == std::optional<int>(10));
  CHECK(a.serverPublicKey == "QUJD");
  CHECK(a.positionals == std::vector<std::string>{"ksm", "init"});

  const auto b = parse({"--input", "in2", "--plugin-dir", "/p2", "--ksm-config", "k2", "--log-format", "text",
                        "--format", "csv", "--token", "-", "--hostname", "h2", "--out", "o2",
                        "--server-public-key-id", "3", "--server-public-key", "B64"});
  CHECK(b.inputFile == "in2");
  CHECK(b.pluginDirs == std::vector<std::string>{"/p2"});
  CHECK(b.ksmConfig == "k2");
  CHECK(b.logFormat == LogFormat::Text);
  CHECK(b.format == "csv");
  CHECK(b.tokenGiven);
  CHECK(b.token.equals("-"));
  CHECK(b.hostname == "h2");
  CHECK(b.out == "o2");
  CHECK(b.serverPublicKeyId == std::optional<int>(3));
  CHECK(b.serverPublicKey == "B64");
  CHECK(b.positionals.empty());

  const auto flags = parse({"--dry-run", "--json", "--verbose", "--help", "--version"});
  CHECK(flags.dryRun);
  CHECK(flags.json);
  CHECK(flags.verbose);
  CHECK(flags.help);
  CHECK(flags.version);
  const auto none = parse({});
  CHECK_FALSE(none.dryRun);
  CHECK_FALSE(none.json);
  CHECK_FALSE(none.verbose);
  CHECK_FALSE(none.help);
  CHECK_FALSE(none.version);
  CHECK_FALSE(none.tokenGiven);
  CHECK(none.logFormat == LogFormat::Text);
  const auto shorts = parse({"-h", "-v"});
  CHECK(shorts.help);
  CHECK(shorts.verbose);
}

TEST_CASE("host options: options after the positionals, --plugin-dir repeatable in the order given") {
  const auto o = parse({"fake", "--plugin-dir", "/b", "/attached.sh", "--dry-run", "--plugin-dir=/a",
                        "--plugin-dir", "/c"});
  CHECK(o.positionals == std::vector<std::string>{"fake", "/attached.sh"});
  CHECK(o.pluginDirs == std::vector<std::string>{"/b", "/a", "/c"});
  CHECK(o.dryRun);
}

TEST_CASE("host options: -- ends the options, - is a positional") {
  const auto o = parse({"--dry-run", "--", "--version", "-v", "-"});
  CHECK(o.dryRun);
  CHECK_FALSE(o.version);
  CHECK_FALSE(o.verbose);
  CHECK(o.positionals == std::vector<std::string>{"--version", "-v", "-"});
}

TEST_CASE("host options: --token goes straight into the Secret, copied from argv's bytes") {
  const std::vector<std::string> args = {"ksm", "init", "--token", "US:OneTimeT0ken-abc"};
  const auto argv = argvOf(args);
  const CliOptions o = parseHostCommandLine(static_cast<int>(argv.size() - 1), argv.data());
  CHECK(o.tokenGiven);
  CHECK(o.token.equals("US:OneTimeT0ken-abc"));
  // The Secret owns its own zero-on-free copy, not a view of argv.
  CHECK(o.token.reveal().data() != argv[4]);
  const auto inline_ = parse({"--token=US:T2"});
  CHECK(inline_.token.equals("US:T2"));
  const auto empty = parse({"--token="});
  CHECK(empty.tokenGiven);
  CHECK(empty.token.empty());
}

TEST_CASE("host options: no abbreviation or case variant of any option is accepted") {
  for (const auto& o : hostOptions()) {
    const std::string name(o.name);
    for (std::size_t len = 1; len < name.size(); ++len) {
      const std::string prefix = name.substr(0, len);
      if (hostOption(prefix) != nullptr) continue;  // itself an option (none today, but then it is no abbreviation)
      INFO("--" << prefix);
      const std::string message = usageError({"--" + prefix, validValue(o.name)});
      CHECK(contains(message, "unknown option '--" + prefix + "'"));
      CHECK(contains(message, "--" + name));  // the hint lists the option it might have meant
    }
    std::string upper = name;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    INFO("--" << upper);
    CHECK(contains(usageError({"--" + upper}), "unknown option '--" + upper + "'"));
  }
}

TEST_CASE("host options: each option with an argument refuses to go without one, each flag refuses a value") {
  for (const auto& o : hostOptions()) {
    const std::string display = "--" + std::string(o.name);
    INFO(display);
    if (o.takesArgument()) {
      CHECK(contains(usageError({"fake", display}), "option " + display + " needs an argument"));
    } else {
      CHECK(contains(usageError({display + "=x"}), "option " + display + " takes no value"));
    }
  }
  CHECK(contains(usageError({"-hv"}), "option -h takes no value"));
  CHECK(contains(usageError({"-v=1"}), "option -v takes no value"));
  CHECK(contains(usageError({"-x"}), "unknown option '-x'"));
}

TEST_CASE("host options: only --plugin-dir may be repeated") {
  for (const auto& o : hostOptions()) {
    const std::string display = "--" + std::string(o.name);
    INFO(display);
    std::vector<std::string> twice;
    for (int i = 0; i < 2; ++i) {
      twice.push_back(display);
      if (o.takesArgument()) twice.push_back(validValue(o.name));
    }
    if (o.repeatable) {
      CHECK(o.name == "plugin-dir");
      CHECK_NOTHROW(parse(twice));
    } else {
      CHECK(contains(usageError(twice), "option " + display + " given more than once"));
    }
  }
  CHECK(contains(usageError({"--verbose", "-v"}), "option -v given more than once"));
  CHECK(contains(usageError({"-h", "--help"}), "option --help given more than once"));
}

TEST_CASE("host options: values of --log-format and --server-public-key-id are checked") {
  CHECK(contains(usageError({"--log-format=xml"}), "--log-format must be 'text' or 'json', not 'xml'"));
  CHECK(contains(usageError({"--server-public-key-id=0"}), "--server-public-key-id must be a positive"));
  CHECK(contains(usageError({"--server-public-key-id", "7x"}), "not '7x'"));
}

TEST_CASE("help: the options table lists every definition, with short form, =ARG and description") {
  const std::string table = keeper_rotate::host::optionHelpTable(hostOptions());
  const auto r = runProcess({hostBinary(), "--help"}, "", {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(r.exitCode == 0);
  CHECK(contains(r.out, "\noptions:\n" + table));
  CHECK(contains(table, "  -h, --help                        show this help and exit\n"));
  CHECK(contains(table, "      --plugin-dir=DIR              also search DIR for plugins"));
  CHECK(contains(table, "  -v, --verbose                     also log debug lines\n"));
  CHECK(contains(table, "      --server-public-key-id=N      ksm init: pin this server public key id\n"));
  for (const auto& o : hostOptions()) {
    std::string head = "--" + std::string(o.name) + (o.takesArgument() ? "=" + std::string(o.argument) : "");
    INFO(head);
    CHECK(contains(table, head + " "));
    CHECK(contains(table, std::string(o.description) + "\n"));
  }
}

TEST_CASE("binary: --version and -h exit 0") {
  const auto v = runProcess({hostBinary(), "--version"}, "", {{"PATH", "/usr/bin:/bin"}});
  CHECK(v.exitCode == 0);
  CHECK(v.out.rfind("keeper-rotate " KR_TEST_TOOL_VERSION " (plugin ABI 1.", 0) == 0);
  CHECK(v.err.empty());
  const auto h = runProcess({hostBinary(), "-h"}, "", {{"PATH", "/usr/bin:/bin"}});
  CHECK(h.exitCode == 0);
  CHECK(contains(h.out, "\noptions:\n"));
}

TEST_CASE("binary: usage errors are exit 2, one stderr line naming the option, no summary") {
  Scenario s;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--ver"}, "unknown option '--ver'"},
      {{"--dry", "--plugin-dir", testPluginDir(), "fake"}, "unknown option '--dry'"},
      {{"--dry-run", "--plugin-d", testPluginDir(), "fake"}, "unknown option '--plugin-d'"},
      {{"fake", "--dry-run=x"}, "option --dry-run takes no value"},
      {{"fake", "--input"}, "option --input needs an argument (FILE)"},
      {{"--input", "a", "fake", "--input", "b"}, "option --input given more than once"},
      {{"--no-such-option"}, "unknown option '--no-such-option'"},
      {{"--tokn=hunter2-token", "ksm", "init"}, "unknown option '--tokn'"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv = {hostBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = runProcess(argv, s.gatewayInput(), {{"PATH", "/usr/bin:/bin"}});
    INFO(args.front() << " -> " << r.err);
    CHECK(r.exitCode == 2);
    CHECK(r.out.empty());
    CHECK(r.err.rfind("keeper-rotate: " + message, 0) == 0);
    CHECK(contains(r.err, " (see keeper-rotate --help)\n"));
    CHECK(r.err.find('\n') == r.err.size() - 1);
    CHECK_FALSE(contains(r.err, "hunter2"));
  }
}

TEST_CASE("binary: options before the provider with their full names, and -- makes --version a provider name") {
  Scenario s;
  const auto r = runProcess({hostBinary(), "--dry-run", "--plugin-dir", testPluginDir(), "fake"}, s.gatewayInput(),
                            {{"PATH", "/usr/bin:/bin"}});
  INFO(r.err);
  CHECK(r.exitCode == 0);
  CHECK(summaryOf(r)->getValue<std::string>("status") == "dry-run");

  const auto ended = runProcess({hostBinary(), "--plugin-dir", testPluginDir(), "--", "--version"}, s.gatewayInput(),
                                {{"PATH", "/usr/bin:/bin"}});
  INFO(ended.err);
  CHECK_FALSE(contains(ended.out, "plugin ABI"));
  CHECK(summaryOf(ended)->getValue<std::string>("provider") == "--version");
}
