// kr_context (the opaque per-operation handle of the ABI) and the host's kr_host_api callback table.
#pragma once

#include "host_api/run_state.hpp"
#include "loader/plugin.hpp"

#include <keeper_rotate/abi.h>
#include <keeper_rotate/https_client.hpp>

#include <memory>
#include <string>
#include <vector>

/// Defined at global scope because abi.h declares it there. One per plugin operation: it knows the run, the
/// plugin speaking (for log lines) and collects the error the plugin describes with set_error.
struct kr_context {
  keeper_rotate::host::RunState* run = nullptr;
  const keeper_rotate::host::LoadedPlugin* plugin = nullptr;
  std::string stage;
  bool errorSet = false;
  std::string errorCode;
  std::string errorMessage;
  std::string stopReasonText;  ///< storage behind the view stop_reason hands out
  /// Storage behind the views of the last https_send answer; the Response zeroes its body when it is replaced or
  /// when the operation ends.
  std::unique_ptr<keeper_rotate::https::Response> httpsResponse;
  std::vector<kr_http_header> httpsHeaders;
  std::string httpsFailure;
};

namespace keeper_rotate::host {

/// The callback table handed to every plugin instance. Every callback catches everything: no exception may
/// cross into plugin code.
const kr_host_api* hostApi();

}  // namespace keeper_rotate::host
