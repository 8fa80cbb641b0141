// The one JSON summary line on stdout (docs/contract.md, "Output and exit codes"): every run past argument parsing
// prints exactly one, failures included. It carries ids, never secret values; every string in it passes the
// Redactor as a last guard.
#pragma once

#include "host_api/run_state.hpp"
#include "log/redactor.hpp"
#include "pipeline/outcome.hpp"
#include "records/record.hpp"

#include <keeper_rotate/abi.h>

#include <string>
#include <vector>

namespace keeper_rotate::host {

/// Version of the summary line's shape (docs/summary.schema.json). Raised when a key is removed or changes its
/// meaning or type; adding a key keeps it.
constexpr int kSummarySchemaVersion = 1;

/// What the run rotates, as far as the host knows without asking the provider: the value of the provider's first
/// required, non-secret input field on the PAM User (for azure-app-secret, application_object_id). Empty when the
/// run ended before a provider was loaded, or the provider declares no such field, or the record lacks it.
struct SummaryTarget {
  std::string field;
  std::string value;
};

struct SummaryInput {
  const Outcome& outcome;
  std::string provider;
  std::string writer;
  bool dryRun = false;
  const RunState* run = nullptr;  // null when the run ended before plugins were involved
  long long totalMs = 0;
  std::string userRecordUid;  // empty when the input was not decoded
  SummaryTarget target;
};

/// The target field of a provider's field table (see SummaryTarget), read from `pamUser`.
SummaryTarget summaryTarget(const std::vector<kr_field_spec>& providerFields, const Record& pamUser);

std::string summaryLine(const SummaryInput& in, const Redactor& redactor);

/// Print the line (with '\n') on stdout in one write.
void printSummary(const std::string& line);

}  // namespace keeper_rotate::host
