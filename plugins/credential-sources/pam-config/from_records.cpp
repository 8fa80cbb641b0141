// pam-config, part 1: the PAM Configuration record as the Gateway passes it in the `records` array.
#include "credential_text.hpp"
#include "pam_config_lookup.hpp"

#include <string>
#include <vector>

namespace keeper_rotate::sources::pam_config {

Lookup fromRecords(const Context& ctx, std::string_view configUid) {
  for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
    auto uid = ctx.record(i, "uid");
    if (!uid || trimmed(*uid) != configUid) continue;

    std::vector<std::string> missing;
    for (const auto& l : kLabels)
      if (!recordValue(ctx, i, l.label)) missing.emplace_back(l.label);
    if (missing.size() == std::size(kLabels)) {
      // A Local Network or other non-Azure configuration: nothing for us, not an error.
      ctx.setError("credential.unavailable", "PAM Configuration " + describeRecord(ctx, i) +
                                                 " has no clientId, clientSecret or tenantId (not an Azure "
                                                 "configuration)");
      return Lookup::Absent;
    }
    if (!missing.empty())
      throw configError("credential.incomplete", "PAM Configuration " + describeRecord(ctx, i) +
                                                     " has no value in " + joinQuoted(missing) +
                                                     "; complete the Azure PAM Configuration in Keeper");
    for (const auto& l : kLabels) ctx.putCredential(l.partName, *recordValue(ctx, i, l.label), l.secret);
    ctx.info("admin credential from PAM Configuration " + describeRecord(ctx, i));
    return Lookup::Found;
  }
  ctx.setError("credential.unavailable",
               "PAM Configuration " + std::string(configUid) + " is not among the records the Gateway passed");
  return Lookup::Absent;
}

}  // namespace keeper_rotate::sources::pam_config
