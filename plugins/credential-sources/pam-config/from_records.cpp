// pam-config, part 1: the PAM Configuration record as the Gateway passes it in the `records` array. A field holding
// USE_INSTANCE_ROLE counts as blank; a configuration left with nothing by that is unavailable with a message saying
// so, and the chain moves on (to instance-role).
#include "credential_text.hpp"
#include "pam_config_lookup.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::sources::pam_config {
namespace {

/// A field of the configuration record as a credential value: trimmed, blank or USE_INSTANCE_ROLE is absent (the
/// latter also sets `instanceRole`).
std::optional<std::string_view> configValue(const Context& ctx, std::size_t index, const std::string& label,
                                            bool& instanceRole) {
  auto v = recordValue(ctx, index, label);
  if (v && isUseInstanceRole(*v)) {
    instanceRole = true;
    return std::nullopt;
  }
  return v;
}

}  // namespace

Lookup fromRecords(const Context& ctx, std::string_view configUid, const Wanted& wanted) {
  for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
    auto uid = ctx.record(i, "uid");
    if (!uid || trim(*uid) != configUid) continue;

    std::vector<std::string> fields, missing;
    bool instanceRole = false;
    for (const auto& part : wanted.parts) {
      const bool present = configValue(ctx, i, part.from, instanceRole).has_value();
      fields.push_back(part.from);
      if (!present && !part.optional) missing.push_back(part.from);
    }
    if (missing.size() == wanted.requiredFrom().size() && instanceRole) {
      ctx.setError("credential.unavailable", useInstanceRoleMessage(wanted, describeRecord(ctx, i)));
      return Lookup::Absent;
    }
    if (missing.size() == wanted.requiredFrom().size()) {
      // A Local Network or other kind of configuration: nothing for this provider, not an error.
      ctx.setError("credential.unavailable", "PAM Configuration " + describeRecord(ctx, i) + " has no " +
                                                 joinList(fields, false, "or") +
                                                 (wanted.configuration.empty()
                                                      ? std::string()
                                                      : " (not " + withArticle(wanted.configuration) +
                                                            " configuration)"));
      return Lookup::Absent;
    }
    if (!missing.empty())
      throw configError("credential.incomplete", "PAM Configuration " + describeRecord(ctx, i) +
                                                     " has no value in " + joinQuoted(missing) + "; complete " +
                                                     pamConfigurationName(wanted) + " in Keeper");
    for (const auto& part : wanted.parts)
      if (auto v = configValue(ctx, i, part.from, instanceRole)) ctx.putCredential(part.partName.c_str(), *v, part.secret);
    ctx.info("admin credential from PAM Configuration " + describeRecord(ctx, i));
    return Lookup::Found;
  }
  ctx.setError("credential.unavailable",
               "PAM Configuration " + std::string(configUid) + " is not among the records the Gateway passed");
  return Lookup::Absent;
}

}  // namespace keeper_rotate::sources::pam_config
