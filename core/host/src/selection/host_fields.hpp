// The host's own PAM User fields: which credential source and which record writer a run uses (docs/contract.md,
// "Record fields").
#pragma once

#include <keeper_rotate/abi.h>

#include <cstddef>

namespace keeper_rotate::host {

inline constexpr const char* kCredentialSourceField = "credential_source";
inline constexpr const char* kRecordWriterField = "record_writer";
inline constexpr const char* kDefaultWriter = "ksm";
/// The run's time budget for remote work besides the proof (docs/contract.md, "Stopped runs and time budgets").
inline constexpr const char* kRemoteBudgetField = "remote_budget_seconds";
/// The default credential chain, in order (docs/contract.md, "Admin credential"). instance-role comes last: it
/// answers only providers of the aws-access-key scheme (any other at once, without the network), and after the
/// credentials an admin stored or set, as the AWS SDKs ask the instance metadata service last. `self` is never in
/// it: a credential that rotates itself must be chosen by name.
inline constexpr const char* kDefaultSourceChain[] = {"attached-record", "pam-config", "env", "instance-role"};

/// Field metadata for the two fields above, shown by `plugins describe` and the import template.
const kr_field_spec* hostFields();
std::size_t hostFieldCount();

}  // namespace keeper_rotate::host
