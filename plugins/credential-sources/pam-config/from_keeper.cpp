// pam-config, part 2: when the Gateway's `records` array does not carry the PAM Configuration, fetch it by
// providerRecordUid through Keeper Secrets Manager, as Keeper's reference script does (docs/contract.md, "Admin
// credential"). Uses the internal KSM client library (core/ksm-client).
//
// No KSM configuration at all, or a record that is not shared with the KSM application, means this source has
// nothing to offer (the chain moves on); an unreachable or failing Keeper is reported as an error, because the
// admin has to fix it either way (the ksm writer needs the same access).
#include "credential_text.hpp"
#include "pam_config_lookup.hpp"

#include <kr_ksm/client.hpp>
#include <kr_ksm/config.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/plugin_config.hpp>
#include <kr_ksm/record.hpp>

#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::sources::pam_config {

Lookup fromKeeper(const Context& ctx, std::string_view configUid, const Wanted& wanted) {
  using keeper_rotate::ksm::KsmError;
  namespace kk = keeper_rotate::ksm;
  const std::string uid(configUid);
  std::optional<kk::Config> config;
  try {
    config = kk::loadConfigFor(ctx);
  } catch (const KsmError& e) {
    if (kk::explicitlyConfigured(ctx)) throw configError("ksm.config", std::string(e.what()));
    ctx.debug(std::string("cannot fetch PAM Configuration ") + uid + " from Keeper: " + e.what());
    return Lookup::Absent;
  }
  try {
    kk::ClientOptions options;
    options.log = [&ctx](const std::string& line) { ctx.debug(line); };
    kk::Client client(std::move(*config), std::move(options));
    const kk::Record record = client.getRecord(uid);
    const std::string name = "'" + record.title() + "' (" + uid + ", fetched through KSM)";
    std::vector<std::string> fields, missing;
    std::vector<std::optional<std::string>> values;
    bool instanceRole = false;
    for (const auto& part : wanted.parts) {
      auto v = kk::firstValue(*record.data, part.from);
      if (v) {
        const auto t = trim(*v);
        // Blank, or Keeper's USE_INSTANCE_ROLE marker (never registered as a secret: it is a documented word).
        instanceRole = instanceRole || isUseInstanceRole(t);
        v = t.empty() || isUseInstanceRole(t) ? std::nullopt : std::optional<std::string>(std::string(t));
      }
      fields.push_back(part.from);
      if (!v && !part.optional) missing.push_back(part.from);
      if (v && part.secret) ctx.registerSecret(*v);
      values.push_back(std::move(v));
    }
    if (missing.size() == wanted.requiredFrom().size() && instanceRole) {
      ctx.setError("credential.unavailable", useInstanceRoleMessage(wanted, name));
      return Lookup::Absent;
    }
    if (missing.size() == wanted.requiredFrom().size()) {
      ctx.debug("PAM Configuration " + name + " has no " + joinList(fields, false, "or") + " (a configuration of "
                "another kind)");
      return Lookup::Absent;
    }
    if (!missing.empty())
      throw configError("credential.incomplete", "PAM Configuration " + name + " has no value in " +
                                                     joinQuoted(missing) + "; complete " +
                                                     pamConfigurationName(wanted) + " in Keeper");
    for (std::size_t i = 0; i < wanted.parts.size(); ++i)
      if (values[i]) ctx.putCredential(wanted.parts[i].partName.c_str(), *values[i], wanted.parts[i].secret);
    ctx.info("admin credential from PAM Configuration " + name);
    return Lookup::Found;
  } catch (const KsmError& e) {
    if (e.kind() == KsmError::Kind::NotFound) {
      ctx.debug(std::string(e.what()));
      return Lookup::Absent;
    }
    throw configError("ksm." + e.code(), std::string("fetching PAM Configuration ") + uid +
                                             " through Keeper Secrets Manager failed: " + e.what());
  }
}

}  // namespace keeper_rotate::sources::pam_config
