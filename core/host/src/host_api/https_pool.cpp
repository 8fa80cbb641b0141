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

}  // namespace keeper_rotate::host
