#include "fuzz_input.hpp"

#include <cxxabi.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <typeinfo>

namespace kr_fuzz {

volatile std::size_t keptValue = 0;
namespace {

std::string_view takeLine(std::string_view& rest, bool& found) {
  const std::size_t nl = rest.find('\n');
  found = nl != std::string_view::npos;
  std::string_view line = rest.substr(0, nl);
  rest = found ? rest.substr(nl + 1) : std::string_view{};
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool verbose() {
  static const bool on = std::getenv("KR_FUZZ_VERBOSE") != nullptr;
  return on;
}

}  // namespace

void note(const std::exception& e) {
  if (verbose()) std::fprintf(stderr, "kr-fuzz: documented exception: %s\n", e.what());
}

void note(const std::string& outcome) {
  if (verbose()) std::fprintf(stderr, "kr-fuzz: %s\n", outcome.c_str());
}

bool keepGoing() {
  static const bool on = std::getenv("KR_FUZZ_KEEP_GOING") != nullptr;
  return on;
}

void violated(const char* what) {
  std::fprintf(stderr, "kr-fuzz: PROPERTY VIOLATED: %s\n", what);
  if (!keepGoing()) std::abort();
}

void undocumented(const std::exception& e) {
  const std::type_info* type = abi::__cxa_current_exception_type();
  int status = 0;
  char* name = type != nullptr ? abi::__cxa_demangle(type->name(), nullptr, nullptr, &status) : nullptr;
  std::fprintf(stderr, "kr-fuzz: UNDOCUMENTED EXCEPTION %s: %s\n", name != nullptr ? name : "(unknown type)", e.what());
  std::free(name);
  if (!keepGoing()) std::abort();
}

std::optional<CannedAnswer> parseCannedAnswer(std::string_view input) {
  bool found = false;
  const std::string_view first = takeLine(input, found);
  const std::size_t space = first.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  const std::string_view status = first.substr(space + 1);
  if (status.size() != 3) return std::nullopt;
  int code = 0;
  for (char c : status) {
    if (c < '0' || c > '9') return std::nullopt;
    code = code * 10 + (c - '0');
  }
  if (code < 200 || code > (keepGoing() ? 511 : 599)) return std::nullopt;
  CannedAnswer answer;
  answer.operation = std::string(first.substr(0, space));
  answer.status = code;
  while (found && !input.empty()) {
    const std::string_view line = takeLine(input, found);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    // Only header characters Poco will send as they are; anything else would be a test of Poco's writer.
    bool printable = true;
    for (char c : line.substr(0, colon))
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') printable = false;
    for (char c : value)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) printable = false;
    // Framing is the server's business: a fuzzed Content-Length or Transfer-Encoding would only test Poco.
    std::string lower(line.substr(0, colon));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection") printable = false;
    if (printable) answer.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  if (code != 204 && code != 304) answer.body = std::string(input);
  return answer;
}

}  // namespace kr_fuzz
