// The admin credential chain: which credential sources are asked, in which order, and what their answers mean.
//
//   credential_source named on the PAM User  only that source is asked; its error is the run's error
//   no credential_source (the default chain) attached-record, pam-config, env, instance-role (host_fields.hpp):
//                                            the first complete credential wins; a failing or incomplete source is
//                                            a warning and the next one is asked; only when none yields one does
//                                            the run stop, with what each source reported
//
// A source's answer counts as complete only when it put every part the provider requires (LoadedPlugin::
// requiredCredentials). The pipeline only asks for the result; the policy lives here, beside plugin selection.
#pragma once

#include "host_api/run_state.hpp"
#include "pipeline/instance.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace keeper_rotate::host {

struct CredentialResolution {
  bool found = false;
  std::string source;  ///< the source that supplied the credential (empty when none was needed or found)
  OpResult error;      ///< why no credential was found: status CONFIG (exit 3) or FAILED (exit 4)
};

/// Ask `sources` in order; on success run.credentials holds the credential. `resolve` runs one source's resolve
/// operation (the pipeline passes its timed call).
CredentialResolution resolveAdminCredential(RunState& run, const std::vector<std::string>& required,
                                            std::vector<std::unique_ptr<PluginInstance>>& sources,
                                            bool explicitSource,
                                            const std::function<OpResult(PluginInstance&)>& resolve);

}  // namespace keeper_rotate::host
