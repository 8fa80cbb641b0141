// Every test that runs the real keeper-rotate checks the summary line it printed against docs/summary.schema.json,
// so the schema describes what the host really prints in every path the suite exercises, not only a sample.
#pragma once

#include <string>
#include <vector>

namespace krtest {

/// Problems of the summary line in a run's stdout (its last line), one "<json path>: <what>" each. Empty when the
/// line conforms, or when stdout holds no summary (usage errors print none; `plugins`, `template` and `ksm` print
/// their own output, recognised by not being a JSON object with an "exitCode").
std::vector<std::string> summaryLineProblems(const std::string& stdoutText);

/// A doctest CHECK that summaryLineProblems() is empty, naming the problems and the line.
void checkSummaryLine(const std::string& stdoutText);

}  // namespace krtest
