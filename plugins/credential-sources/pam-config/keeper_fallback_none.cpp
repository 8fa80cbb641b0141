// pam-config, part 2 placeholder: no Keeper fetch in this build. The KSM-backed fallback replaces this file.
#include "pam_config_lookup.hpp"

namespace keeper_rotate::sources::pam_config {

Lookup fromKeeper(const Context& ctx, std::string_view configUid) {
  ctx.debug("fetching PAM Configuration " + std::string(configUid) +
            " through Keeper Secrets Manager is not available in this build");
  return Lookup::Absent;
}

}  // namespace keeper_rotate::sources::pam_config
