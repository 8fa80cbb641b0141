// The commands behind the CLI. Each returns the process exit code.
#pragma once

#include "cli/options.hpp"

namespace keeper_rotate::host {

/// `keeper-rotate <provider> [attached-file]`: the rotation (or --dry-run).
int runRotation(const CliOptions& opts);
/// `plugins list [--json]`, `plugins describe NAME [--json]`.
int runPluginsCommand(const CliOptions& opts);
/// `template pam-user <provider>`.
int runTemplateCommand(const CliOptions& opts);
/// `ksm init ...` (only when the KSM client is built in).
int runKsmCommand(const CliOptions& opts);

}  // namespace keeper_rotate::host
