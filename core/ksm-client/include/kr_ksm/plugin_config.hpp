// Where a plugin's KSM configuration comes from: one resolver for every plugin that talks to Keeper (the ksm writer,
// the pam-config source), so they can never disagree about which device they use. The host hands over its
// --ksm-config path as the setting "ksm_config"; without it, loadConfig() applies the documented order
// (KSM_CONFIG, then GATEWAY_CONFIG, then the Gateway's own device config file; docs/contract.md, "KSM
// configuration").
#pragma once

#include <kr_ksm/config.hpp>

#include <keeper_rotate/sdk.hpp>

namespace keeper_rotate::ksm {

/// The configuration locations for this run, as the host was told them.
inline ConfigLocations locationsFor(const Context& ctx) {
  ConfigLocations where;
  if (auto path = ctx.setting("ksm_config"); path && !path->empty()) where.explicitFile = std::string(*path);
  return where;
}

/// Whether the admin named a configuration file explicitly (then a broken one is an error, never "nothing here").
inline bool explicitlyConfigured(const Context& ctx) { return locationsFor(ctx).explicitFile.has_value(); }

/// The KSM configuration for this run. Throws KsmError(Config) naming every place it looked.
inline Config loadConfigFor(const Context& ctx) { return loadConfig(locationsFor(ctx)); }

}  // namespace keeper_rotate::ksm
