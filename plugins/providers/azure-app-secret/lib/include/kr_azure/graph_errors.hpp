// Graph failures as admin-actionable keeper_rotate::Errors (docs/azure-graph.md §3.5, §4, §7, §8).
#pragma once

#include "kr_azure/graph_client.hpp"

#include <keeper_rotate/sdk.hpp>

#include <string>

namespace kr_azure {

struct ErrorContext {
  std::string operation;      ///< e.g. "addPassword"
  std::string targetId;       ///< object id (or the configured id before resolution)
  std::string adminClientId;  ///< client id of the admin credential
  int lifetimeDays = 0;
  std::size_t existingSecrets = 0;
};

keeper_rotate::Error explainGraphError(const GraphError& e, const ErrorContext& ctx);

}  // namespace kr_azure
