// `keeper-rotate <provider> [attached-file]`: decode input, select and validate plugins, run the pipeline, print
// the summary line. Every path past argument parsing ends in exactly one summary line.
#include "cli/commands.hpp"

#include "input/gateway_input.hpp"
#include "input/pam_user.hpp"
#include "loader/registry.hpp"
#include "log/logger.hpp"
#include "log/redactor.hpp"
#include "pipeline/pipeline.hpp"
#include "run_control/stop_control.hpp"
#include "selection/config_error.hpp"
#include "selection/host_fields.hpp"
#include "selection/selection.hpp"
#include "state/journal.hpp"
#include "state/state_dir.hpp"
#include "summary/summary.hpp"

#include <keeper_rotate/field_rules.hpp>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>

namespace keeper_rotate::host {
namespace {

long long msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

Outcome failed(int exitCode, const char* stage, const std::string& code, const std::string& message) {
  Outcome o;
  o.exitCode = exitCode;
  o.status = statusForExit(exitCode);
  o.hasError = true;
  o.error = StageError{stage, code, message};
  return o;
}

}  // namespace

int runRotation(const CliOptions& opts) {
  const auto start = std::chrono::steady_clock::now();
  Redactor redactor;
  Logger logger(redactor);
  logger.setFormat(opts.logFormat);
  logger.setVerbose(opts.verbose);

  const std::string providerName = opts.positionals.at(0);
  const std::string attachedFile = opts.positionals.size() > 1 ? opts.positionals[1] : std::string();
  // From here on SIGTERM, SIGINT and SIGHUP stop the run as a failure of its current step (run_control/).
  StopControl::instance().install();
  {
    const Outcome early = failed(kExitFailed, "validate", "run.killed",
                                 "a second signal ended the run at once before anything was created");
    SummaryInput si{early, providerName, "", opts.dryRun, nullptr, 0, "", {}};
    StopControl::instance().setEmergency(summaryLine(si, redactor), kExitFailed);
  }
  std::string writerName;
  GatewayInput input;
  std::unique_ptr<RunState> run;
  // The HTTPS clients the host and every plugin share (kr_host_api::https_send); they outlive every instance.
  HttpsPool https;
  // Declared before the instances so every library outlives every instance created from it.
  PluginRegistry registry(
      pluginSearchPath(opts.pluginDirs, std::getenv("KEEPER_ROTATE_PLUGIN_PATH"), executablePath()));
  std::vector<std::unique_ptr<PluginInstance>> sources;
  std::unique_ptr<PluginInstance> provider, writer;

  Outcome outcome;
  SummaryTarget target;
  try {
    if (!attachedFile.empty())
      logger.debug("attached file '" + attachedFile + "' is not used by keeper-rotate; ignored");
    {
      std::string raw = opts.inputFile.empty() ? readStdinBounded() : readFileBounded(opts.inputFile);
      decodeGatewayInput(raw, input);  // wipes raw
    }
    redactor.add(input.newPassword.reveal());
    redactor.add(input.oldPassword.reveal());
    ksm::ConfigLocations where;
    if (!opts.ksmConfig.empty()) where.explicitFile = opts.ksmConfig;
    resolvePamUser(input, where, logger, https);

    run = std::make_unique<RunState>(input, redactor, logger);
    run->https = &https;
    run->settings["dry_run"] = opts.dryRun ? "1" : "0";
    run->settings["verbose"] = opts.verbose ? "1" : "0";
    if (!opts.ksmConfig.empty()) run->settings["ksm_config"] = opts.ksmConfig;
    if (!attachedFile.empty()) run->settings["attached_file"] = attachedFile;

    const Selection selection = selectPlugins(registry, providerName, *input.pamUser, logger);
    writerName = selection.writer->name;
    const bool durable = (selection.writer->descriptor->record_writer->capabilities & KR_WRITER_DURABLE) != 0;
    run->settings["rehearsal"] = durable ? "0" : "1";
    target = summaryTarget(selection.provider->fields, *input.pamUser);
    prepareRunState(selection, *run);
    validateSelection(selection, *input.pamUser);
    logger.info("rotating with " + selection.provider->origin() + " and " + selection.writer->origin() +
                (opts.dryRun ? " (dry run)" : ""));

    provider = std::make_unique<PluginInstance>(*selection.provider, *run);
    writer = std::make_unique<PluginInstance>(*selection.writer, *run);
    for (const LoadedPlugin* s : selection.sources) sources.push_back(std::make_unique<PluginInstance>(*s, *run));
    RunBudget budget;
    if (const std::string* v = run->field("verify_timeout_seconds"))
      if (const auto n = field_rules::parseInteger(*v); n && *n >= 0) budget.proof = std::chrono::seconds(*n);
    if (const std::string* v = run->field(kRemoteBudgetField))
      if (const auto n = field_rules::parseInteger(*v); n && *n > 0) budget.remote = std::chrono::seconds(*n);

    // The crash journal of this PAM User (docs/contract.md, "Stopped runs and time budgets").
    std::optional<Journal> journal;
    {
      std::string why;
      if (auto dir = resolveStateDir(why)) {
        try {
          journal.emplace(*dir, input.userRecordUid);
          logger.debug("crash journal: " + journal->path() + " (state directory from " + dir->origin + ")");
        } catch (const std::exception& e) {
          throw ConfigError("state.journal", e.what());
        }
      } else {
        logger.warn("no usable state directory (" + why + "): this run keeps no crash journal, so if it is "
                    "killed after creating a credential, nothing removes that credential later");
      }
    }
    JournalContext jc{journal ? &*journal : nullptr, JournalEntry{providerName, target.value, "", input.userRecordUid, "", 0}};
    // The ksm writer's connection to Keeper is opened now, beside the provider's first steps, instead of after them:
    // its TCP connect and TLS handshake leave the run's critical path (HttpsPool::warmUp).
    if (writerName == "ksm") https.warmUpKsm(where, logger);
    Pipeline pipeline(*run, *provider, *writer, sources, selection.explicitSource, opts.dryRun, budget, jc);
    pipeline.onEmergencyChange = [&](const Outcome& o) {
      SummaryInput si{o, providerName, writerName, opts.dryRun, run.get(), msSince(start), input.userRecordUid, target};
      StopControl::instance().setEmergency(summaryLine(si, redactor), o.exitCode);
    };
    outcome = pipeline.run();
  } catch (const InputError& e) {
    outcome = failed(kExitUsage, "input", "input.invalid", e.what());
  } catch (const LoadError& e) {
    outcome = failed(kExitConfig, "load", "plugin.load", e.what());
  } catch (const ConfigError& e) {
    outcome = failed(kExitConfig, "validate", e.code(), e.what());
  } catch (const std::exception& e) {
    outcome = failed(kExitInternal, "host", "host.internal", e.what());
  } catch (...) {
    outcome = failed(kExitInternal, "host", "host.internal", "unexpected error");
  }
  if (outcome.hasError)
    logger.error(outcome.status + " at stage " + outcome.error.stage +
                 (outcome.error.code.empty() ? std::string() : " [" + outcome.error.code + "]") + ": " +
                 outcome.error.message);
  else
    logger.info("done: " + outcome.status);

  // Instances go before the registry's libraries (reverse declaration order does this; made explicit here).
  sources.clear();
  provider.reset();
  writer.reset();

  SummaryInput si{outcome, providerName, writerName, opts.dryRun, run.get(), msSince(start), input.userRecordUid,
                  target};
  printSummary(summaryLine(si, redactor));
  return outcome.exitCode;
}

}  // namespace keeper_rotate::host
