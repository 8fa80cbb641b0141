#include "summary_check.hpp"

#include "json_schema.hpp"

#include <doctest/doctest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace krtest {

std::vector<std::string> summaryLineProblems(const std::string& stdoutText) {
  std::string text = stdoutText;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto nl = text.rfind('\n');
  const std::string line = nl == std::string::npos ? text : text.substr(nl + 1);
  if (line.empty() || line.front() != '{') return {};
  try {
    const auto parsed = Poco::JSON::Parser().parse(line);
    const auto object = parsed.extract<Poco::JSON::Object::Ptr>();
    if (!object || !object->has("exitCode")) return {};
  } catch (...) {
    return {};  // not JSON: some other command's text output
  }
  return summarySchema().errorsInText(line);
}

void checkSummaryLine(const std::string& stdoutText) {
  const auto problems = summaryLineProblems(stdoutText);
  std::string all;
  for (const auto& p : problems) all += "\n  " + p;
  CHECK_MESSAGE(problems.empty(), "summary line does not match docs/summary.schema.json:" << all << "\n" << stdoutText);
}

}  // namespace krtest
