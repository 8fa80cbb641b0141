#include "host_api/https_pool.hpp"

namespace keeper_rotate::host {

https::Client& HttpsPool::clientFor(const https::Options& options) {
  // Everything that decides where a connection may go and whom it trusts; '\n' cannot occur in any of them.
  std::string key = options.caFile + '\n' + (options.useProxyEnvironment ? "proxy" : "direct") + '\n' +
                    options.userAgent;
  for (const std::string& host : options.plainHttpHosts) key += '\n' + host;
  auto found = clients_.find(key);
  if (found == clients_.end()) found = clients_.emplace(key, std::make_unique<https::Client>(options)).first;
  return *found->second;
}

void HttpsPool::warmUpKsm(const ksm::ConfigLocations& where, const Logger& logger) {
  try {
    const ksm::Config config = ksm::loadConfig(where);
    if (config.hostname.empty()) return;
    logger.debug("opening the connection to Keeper Secrets Manager (" + config.hostname + ") ahead of the writer");
    clientFor(https::Options()).warmUp("https://" + config.hostname + "/");
  } catch (const std::exception&) {
    // No usable configuration or trust: the writer reports it where it belongs.
  }
}

}  // namespace keeper_rotate::host
