// The host's own PAM User fields: which credential source and which record writer a run uses (docs/contract.md,
// "Record fields").
#pragma once

#include <keeper_rotate/abi.h>

#include <cstddef>

namespace keeper_rotate::host {

inline constexpr const char* kCredentialSourceField = "credential_source";
inline constexpr const char* kRecordWriterField = "record_writer";
inline constexpr const char* kDefaultWriter = "ksm";
/// The default credential chain, in order (docs/contract.md, "Admin credential").
inline constexpr const char* kDefaultSourceChain[] = {"attached-record", "pam-config", "env"};

/// Field metadata for the two fields above, shown by `plugins describe` and the import template.
const kr_field_spec* hostFields();
std::size_t hostFieldCount();

}  // namespace keeper_rotate::host
