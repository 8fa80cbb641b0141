// The one JSON summary line on stdout (docs/contract.md, "Output and exit codes"): every run past argument parsing
// prints exactly one, failures included. It carries ids, never secret values; every string in it passes the
// Redactor as a last guard.
#pragma once

#include "host_api/run_state.hpp"
#include "log/redactor.hpp"
#include "pipeline/outcome.hpp"

#include <string>

namespace keeper_rotate::host {

struct SummaryInput {
  const Outcome& outcome;
  std::string provider;
  std::string writer;
  bool dryRun = false;
  const RunState* run = nullptr;  // null when the run ended before plugins were involved
  long long totalMs = 0;
};

std::string summaryLine(const SummaryInput& in, const Redactor& redactor);

/// Print the line (with '\n') on stdout in one write.
void printSummary(const std::string& line);

}  // namespace keeper_rotate::host
