// keeper-rotate(1) (core/host/man/keeper-rotate.1) against `keeper-rotate --help`: the same options with the same
// short forms and argument names, nothing stale, every command and exit code of the help described.
#include "support/scenario.hpp"

#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace krtest;

namespace {

struct OptionEntry {
  std::string shortName;
  std::string argument;
  bool operator==(const OptionEntry& o) const { return shortName == o.shortName && argument == o.argument; }
};

/// Roff source as plain text: comment lines dropped, "\-" as "-", font escapes removed.
std::string roffText(const std::string& roff) {
  std::istringstream in(roff);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".\\\"", 0) == 0) continue;
    out += line + "\n";
  }
  out = std::regex_replace(out, std::regex(R"(\\-)"), "-");
  out = std::regex_replace(out, std::regex(R"(\\f[BIRP])"), "");
  return out;
}

/// The lines of one section (".SH NAME" up to the next ".SH").
std::vector<std::string> section(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".SH ", 0) == 0) {
      inside = line == ".SH " + name || line == ".SH \"" + name + "\"";
      continue;
    }
    if (inside) lines.push_back(line);
  }
  return lines;
}

std::set<std::string> longOptionsIn(const std::string& text) {
  std::set<std::string> out;
  const std::regex re(R"((^|[^A-Za-z0-9-])--([a-z][a-z-]*[a-z]))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[2]);
  return out;
}

/// "--name" -> short form and argument name, from the "options:" table of --help.
std::map<std::string, OptionEntry> helpOptions(const std::string& help) {
  std::map<std::string, OptionEntry> out;
  const std::regex re(R"(^  (?:-([a-zA-Z]), |    )--([a-z-]+)(?:=([A-Z0-9]+))? )");
  std::istringstream in(help);
  bool inTable = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "options:") inTable = true;
    std::smatch m;
    if (inTable && std::regex_search(line, m, re)) out[m[2]] = {m[1], m[3]};
  }
  return out;
}

/// The same from the man page's OPTIONS section: the line after each .TP.
std::map<std::string, OptionEntry> manOptions(const std::vector<std::string>& lines) {
  std::map<std::string, OptionEntry> out;
  const std::regex longRe(R"(--([a-z-]+)(=\s*([A-Z0-9]+))?)");
  const std::regex shortRe(R"((^|\s)-([a-zA-Z])(\s|$|"))");
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i] != ".TP") continue;
    const std::string& head = lines[i + 1];
    std::smatch m, s;
    if (!std::regex_search(head, m, longRe)) continue;
    OptionEntry e;
    e.argument = m[3];
    if (std::regex_search(head, s, shortRe)) e.shortName = s[2];
    out[m[1]] = e;
  }
  return out;
}

}  // namespace

TEST_CASE("man page: keeper-rotate(1) describes exactly the options --help lists, with their short forms and arguments") {
  const auto r = runProcess({hostBinary(), "--help"}, "", {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(r.exitCode == 0);
  const std::string man = roffText(readFile(KR_MAN_PAGE));
  REQUIRE(man.find(".TH KEEPER-ROTATE 1") != std::string::npos);

  const auto fromHelp = helpOptions(r.out);
  const auto fromMan = manOptions(section(man, "OPTIONS"));
  REQUIRE(fromHelp.size() >= 15);
  for (const auto& [name, entry] : fromHelp) {
    INFO("--" << name << " (listed by --help)");
    REQUIRE(fromMan.count(name) == 1);
    CHECK(fromMan.at(name).shortName == entry.shortName);
    CHECK(fromMan.at(name).argument == entry.argument);
  }
  for (const auto& [name, entry] : fromMan) {
    INFO("--" << name << " (described by the man page)");
    CHECK(fromHelp.count(name) == 1);
  }
  // No stale option anywhere in the page, and every option the help's usage lines show is a real one.
  for (const auto& name : longOptionsIn(man)) {
    INFO("--" << name << " mentioned in the man page");
    CHECK(fromHelp.count(name) == 1);
  }
  for (const auto& name : longOptionsIn(r.out)) {
    INFO("--" << name << " mentioned in --help");
    CHECK(fromHelp.count(name) == 1);
  }
}

TEST_CASE("man page: every command and exit code of --help is in keeper-rotate(1)") {
  const auto r = runProcess({hostBinary(), "--help"}, "", {{"PATH", "/usr/bin:/bin"}});
  REQUIRE(r.exitCode == 0);
  const std::string man = roffText(readFile(KR_MAN_PAGE));
  std::string synopsis;
  for (const auto& line : section(man, "SYNOPSIS")) synopsis += line + "\n";

  // "  keeper-rotate plugins list [--json]" -> "plugins list": the words before the first placeholder or option.
  std::set<std::string> commands;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, std::regex(R"(^  keeper-rotate ((?:[a-z][a-z-]* ?)+))"))) {
      std::string words = m[1];
      while (!words.empty() && words.back() == ' ') words.pop_back();
      commands.insert(words);
    }
  }
  REQUIRE(commands.size() >= 4);
  for (const auto& c : commands) {
    INFO(c);
    CHECK(synopsis.find("keeper-rotate " + c) != std::string::npos);
  }

  std::smatch codes;
  REQUIRE(std::regex_search(r.out, codes, std::regex(R"(exit codes: ([\s\S]*?)\n\n)")));
  std::set<std::string> helpCodes;
  const std::string list = codes[1];
  const std::regex codeRe(R"((^|[ (,])([0-9]) )");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), codeRe);
       it != std::sregex_iterator(); ++it)
    helpCodes.insert((*it)[2]);
  CHECK(helpCodes.size() == 7);
  std::set<std::string> manCodes;
  const auto exit = section(man, "EXIT STATUS");
  for (std::size_t i = 0; i + 1 < exit.size(); ++i)
    if (exit[i] == ".TP") manCodes.insert(std::regex_replace(exit[i + 1], std::regex(R"(^\.B\s+)"), ""));
  CHECK(manCodes == helpCodes);
}
