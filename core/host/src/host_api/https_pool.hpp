// The run's HTTPS clients, one per set of client settings, shared by the host's own requests and, through
// kr_host_api::https_send, by every plugin's: kept-alive connections per scheme://host:port and one TLS context per
// trust, so a run makes one TLS handshake per host however many plugins talk to it.
#pragma once

#include "log/logger.hpp"

#include <kr_ksm/config.hpp>

#include <keeper_rotate/https_client.hpp>

#include <map>
#include <memory>
#include <string>

namespace keeper_rotate::host {

class HttpsPool {
 public:
  /// The client for these settings, made on first use. Timeouts are not part of the choice: callers pass theirs
  /// with each request (https::Request::connectTimeout, ioTimeout), so callers with different budgets still share
  /// connections. Throws https::TransportError when the trusted CAs cannot be loaded.
  https::Client& clientFor(const https::Options& options);

  /// Opens, on a thread of its own, the connection to the KSM host of the configuration at `where` (the one the ksm
  /// writer finds: --ksm-config, KSM_CONFIG, the Gateway's), in the client with default settings that the writer's
  /// requests then use. Nothing is sent; any failure is left for the writer to meet and report.
  void warmUpKsm(const ksm::ConfigLocations& where, const Logger& logger);

 private:
  std::map<std::string, std::unique_ptr<https::Client>> clients_;
};

}  // namespace keeper_rotate::host
