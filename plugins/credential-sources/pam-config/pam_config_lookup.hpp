// The two ways the pam-config source finds the PAM Configuration record, kept apart so that each can be built and
// tested on its own: from the Gateway's `records` array, and (fallback) from Keeper itself.
#pragma once

#include "credential_text.hpp"

#include <keeper_rotate/sdk.hpp>

#include <string_view>

namespace keeper_rotate::sources::pam_config {

enum class Lookup {
  Found,   ///< every required part was put with putCredential
  Absent,  ///< the record is not there, or carries none of the fields (a configuration of another kind)
};

/// Look for `configUid` in the records array. Throws a config error when the record has some fields but not all.
Lookup fromRecords(const Context& ctx, std::string_view configUid, const Wanted& wanted);

/// Fallback when fromRecords() found nothing: fetch the record from Keeper. Same contract as fromRecords().
Lookup fromKeeper(const Context& ctx, std::string_view configUid, const Wanted& wanted);

}  // namespace keeper_rotate::sources::pam_config
