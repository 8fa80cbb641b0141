// The PAM User record: the copy in the Gateway's `records` when it is there, else the vault's current copy read
// through Keeper Secrets Manager by userRecordUid, as Keeper's own reference script reads it (docs/contract.md,
// "How the Gateway runs it"). Both copies pass the same field validation afterwards; only where they come from
// differs: the records copy is what the Gateway saw when it started the rotation, the KSM copy is what the vault
// holds now.
#pragma once

#include "host_api/https_pool.hpp"
#include "input/gateway_input.hpp"
#include "log/logger.hpp"

#include <kr_ksm/config.hpp>

#include <keeper_rotate/json.hpp>

#include <string>

namespace keeper_rotate::host {

/// A decrypted KSM record flattened the way the Gateway flattens records into `records`
/// (docs/gateway-input.md §3): standard fields, then custom fields, each under its label or, when it has none,
/// its type; a repeated key gets a number appended (text, text1, text2); a field contributes its first value
/// (objects as compact JSON text, an empty value list as an empty value).
Record recordFromKsmData(const std::string& uid, const keeper_rotate::json::Object& data);

/// When `in.pamUser` is null (the Gateway's records lack it), read the record through KSM with the configuration
/// found at `where`, keep it in `in.pamUserFromKsm` and point `in.pamUser` at it. Does nothing when the records
/// have it (the KSM is not contacted). Throws ConfigError naming the uid when neither has it, or when KSM cannot
/// be used (no configuration, unreachable, record not shared with the application). The request goes over `https`,
/// the run's shared clients, so the record writer later reuses the connection.
void resolvePamUser(GatewayInput& in, const ksm::ConfigLocations& where, const Logger& logger, HttpsPool& https);

}  // namespace keeper_rotate::host
