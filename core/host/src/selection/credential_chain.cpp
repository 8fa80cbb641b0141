#include "selection/credential_chain.hpp"

#include <keeper_rotate/text.hpp>

namespace keeper_rotate::host {

CredentialResolution resolveAdminCredential(RunState& run, const std::vector<std::string>& required,
                                            std::vector<std::unique_ptr<PluginInstance>>& sources,
                                            bool explicitSource,
                                            const std::function<OpResult(PluginInstance&)>& resolve) {
  CredentialResolution out;
  if (required.empty() && !explicitSource) {
    run.logger.debug("the provider needs no admin credential; no credential source consulted");
    out.found = true;
    return out;
  }

  std::vector<std::string> notes;
  bool anyFailure = false;
  OpResult lastError;
  for (auto& source : sources) {
    ValueMap candidate;
    run.credentialTarget = &candidate;
    const OpResult r = resolve(*source);
    run.credentialTarget = nullptr;
    const std::string name = source->plugin().name;
    if (r.ok()) {
      std::vector<std::string> missing;
      for (const auto& part : required)
        if (!candidate.has(part)) missing.push_back(part);
      if (missing.empty()) {
        run.credentials = std::move(candidate);
        run.logger.info("admin credential from credential source '" + name + "'");
        out.found = true;
        out.source = name;
        return out;
      }
      notes.push_back(name + ": incomplete, missing " + text::join(missing));
      if (!explicitSource)
        run.logger.warn("credential source '" + name + "' is incomplete (missing " + text::join(missing) +
                        "); trying the next source");
      continue;
    }
    if (r.status == KR_ERR_UNAVAILABLE) {
      notes.push_back(name + ": nothing available" + (r.message.empty() ? "" : " (" + r.message + ")"));
      continue;
    }
    anyFailure = anyFailure || r.status == KR_ERR_FAILED || r.status == KR_ERR_INTERNAL;
    lastError = r;
    notes.push_back(name + ": " + r.message);
    // Not fatal in the default chain, but never silent: an admin with a broken record should see it even when a
    // later source supplies the credential.
    if (!explicitSource)
      run.logger.warn("credential source '" + name + "' failed: " + r.message + "; trying the next source");
  }
  out.error.status = anyFailure ? KR_ERR_FAILED : KR_ERR_CONFIG;
  out.error.code = lastError.code.empty() ? "credential.unavailable" : lastError.code;
  out.error.message = "no admin credential with " + text::join(required) + " found. " +
                      (sources.empty() ? std::string("No credential source is installed.")
                                       : "Tried: " + text::join(notes, "; "));
  return out;
}

}  // namespace keeper_rotate::host
