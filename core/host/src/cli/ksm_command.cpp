// `ksm init`: binds a one-time access token through the KSM client (core/ksm) when it is built in.
#include "cli/commands.hpp"

#include <iostream>

#ifdef KR_HAVE_KSM_INIT
#include <keeper_rotate/ksm/init.hpp>
#endif

namespace keeper_rotate::host {

int runKsmCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 2 || pos[1] != "init")
    throw UsageError("usage: keeper-rotate ksm init --token [REGION:]TOKEN [--hostname HOST] --out FILE");
  if (opts.token.empty()) throw UsageError("ksm init needs --token [REGION:]TOKEN");
  if (opts.out.empty()) throw UsageError("ksm init needs --out FILE");
  if (opts.serverPublicKeyId.has_value() != !opts.serverPublicKey.empty())
    throw UsageError("--server-public-key-id and --server-public-key go together");
#ifdef KR_HAVE_KSM_INIT
  keeper_rotate::ksm::InitOptions init;
  init.token = opts.token;
  init.hostname = opts.hostname;
  init.out = opts.out;
  init.serverPublicKeyId = opts.serverPublicKeyId;
  init.serverPublicKey = opts.serverPublicKey;
  return keeper_rotate::ksm::runInit(init);
#else
  std::cerr << "keeper-rotate: 'ksm init' is not built into this keeper-rotate (the KSM client was not available)\n";
  return 3;
#endif
}

}  // namespace keeper_rotate::host
