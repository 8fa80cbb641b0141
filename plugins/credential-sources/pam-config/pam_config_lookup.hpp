// The two ways the pam-config source finds the Azure PAM Configuration record, kept apart so that each can be
// built and tested on its own: from the Gateway's `records` array, and (fallback) from Keeper itself.
#pragma once

#include <keeper_rotate/sdk.hpp>

#include <string_view>

namespace keeper_rotate::sources::pam_config {

/// Labels of the Azure PAM Configuration (record type pamAzureConfiguration; Commander stores them as hidden
/// `secret` fields with these labels) and the credential part each one supplies.
struct Label {
  const char* label;
  const char* partName;
  bool secret;
};
inline constexpr Label kLabels[] = {
    {"clientId", "client_id", false},
    {"clientSecret", "client_secret", true},
    {"tenantId", "tenant_id", false},
};

enum class Lookup {
  Found,   ///< all three parts were put with putCredential
  Absent,  ///< the record is not there, or carries none of the labels (not an Azure configuration)
};

/// Look for `configUid` in the records array. Throws a config error when the record has some labels but not all.
Lookup fromRecords(const Context& ctx, std::string_view configUid);

/// Fallback when fromRecords() found nothing: fetch the record from Keeper. Same contract as fromRecords().
Lookup fromKeeper(const Context& ctx, std::string_view configUid);

}  // namespace keeper_rotate::sources::pam_config
