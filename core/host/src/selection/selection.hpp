// Selection (docs/contract.md, "Record fields"): the provider named on the command line, the record writer named by
// the PAM User's `record_writer` field (default ksm), the credential source named by `credential_source` or else
// the default chain (selection/credential_chain.hpp). Also collects defaults and secret labels from the chosen
// plugins' metadata.
#pragma once

#include "host_api/run_state.hpp"
#include "loader/registry.hpp"
#include "records/record.hpp"

#include <string>
#include <vector>

namespace keeper_rotate::host {

struct Selection {
  const LoadedPlugin* provider = nullptr;
  const LoadedPlugin* writer = nullptr;
  std::vector<const LoadedPlugin*> sources;  // in the order they are tried
  bool explicitSource = false;
};

/// Loads the plugins (metadata only). Throws LoadError (unknown/broken plugin) or ConfigError, both exit 3.
/// Missing plugins of the default chain are skipped with a debug line; a broken one is an error.
Selection selectPlugins(PluginRegistry& registry, const std::string& providerName, const Record& pamUser,
                        const Logger& logger);

/// Validate the PAM User against the host's fields, the provider's, the writer's and an explicit source's.
void validateSelection(const Selection& selection, const Record& pamUser);

/// Defaults (first declaration wins, provider first) and labels flagged secret; registers the PAM User's and
/// the other records' values of secret fields (and of well-known secret keys) with the redactor.
void prepareRunState(const Selection& selection, RunState& run);

}  // namespace keeper_rotate::host
