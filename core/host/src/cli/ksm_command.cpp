// `ksm init`: binds a one-time access token through the internal KSM client library (core/ksm-client).
#include "cli/commands.hpp"

#include <iostream>

#include <kr_ksm/init.hpp>

namespace keeper_rotate::host {

int runKsmCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 2 || pos[1] != "init")
    throw UsageError("usage: keeper-rotate ksm init --token [REGION:]TOKEN [--hostname HOST] --out FILE");
  if (opts.token.empty()) throw UsageError("ksm init needs --token [REGION:]TOKEN");
  if (opts.out.empty()) throw UsageError("ksm init needs --out FILE");
  if (opts.serverPublicKeyId.has_value() != !opts.serverPublicKey.empty())
    throw UsageError("--server-public-key-id and --server-public-key go together");
  keeper_rotate::ksm::InitOptions init;
  init.token = opts.token;
  init.hostname = opts.hostname;
  init.out = opts.out;
  init.serverPublicKeyId = opts.serverPublicKeyId;
  init.serverPublicKey = opts.serverPublicKey;
  return keeper_rotate::ksm::runInit(init);
}

}  // namespace keeper_rotate::host
