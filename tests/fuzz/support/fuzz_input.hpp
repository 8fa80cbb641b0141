// Helpers shared by the fuzz targets: the "canned HTTP answer" input format of the targets that fuzz a client
// through a loopback server, and a view of libFuzzer's bytes.
//
// Canned answer format (text, so seeds stay readable and the dictionaries can hold the operation names):
//
//   <operation> <status>\n
//   <Header-Name>: <value>\n      (zero or more)
//   \n
//   <body>
//
// Content-Length, Transfer-Encoding and Connection headers are dropped (the server frames the answer).
// e.g. "getById 200\nrequest-id: 1\n\n{\"id\":\"...\"}". An input that does not start with such a line is ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kr_fuzz {

inline std::string_view bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

struct CannedAnswer {
  std::string operation;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Keeps a value computed from the parser's output alive, so the optimiser cannot drop the reads.
extern volatile std::size_t keptValue;
inline void keep(std::size_t value) { keptValue = value; }

/// With KR_FUZZ_VERBOSE set, prints what a documented exception said (to check what a seed reaches).
void note(const std::exception& e);
void note(const std::string& outcome);

/// KR_FUZZ_KEEP_GOING set: findings of the kinds below are printed, not fatal, and canned answers stay within the
/// statuses Poco's HTTPStatus enum can hold (<= 511; see tests/fuzz/README.md, "Findings"), so a target can be
/// fuzzed past known findings for memory errors, leaks and hangs. Never set in CI.
bool keepGoing();

/// An exception the code under test does not document escaped: prints its type and message, then aborts (a
/// finding; libFuzzer saves the input) unless keepGoing().
void undocumented(const std::exception& e);

/// A documented property of the code under test does not hold: prints `what`, then aborts unless keepGoing().
void violated(const char* what);

/// Runs one input's body; an escaping std::exception goes to undocumented(). Returns 0 for libFuzzer.
template <class Body>
int run(Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    undocumented(e);
  }
  return 0;
}

/// nullopt when the first line is not "<operation> <status>" with a final status (200-599; 200-511 with
/// KR_FUZZ_KEEP_GOING). A 204 or 304 answer
/// gets no body (HTTP forbids one; sending it would desynchronise the kept-alive connection, a test of Poco only).
std::optional<CannedAnswer> parseCannedAnswer(std::string_view input);

}  // namespace kr_fuzz
