#include "pipeline/pipeline.hpp"

#include "selection/credential_chain.hpp"

#include <keeper_rotate/text.hpp>

#include <algorithm>

namespace keeper_rotate::host {
namespace {

int validateExit(kr_status s) {
  // CONFIG/UNAVAILABLE: something to fix in Keeper or Entra; FAILED/INTERNAL: the check itself failed (network,
  // plugin bug). Either way nothing was changed.
  return (s == KR_ERR_CONFIG || s == KR_ERR_UNAVAILABLE) ? kExitConfig : kExitFailed;
}

}  // namespace

Pipeline::Pipeline(RunState& run, PluginInstance& provider, PluginInstance& writer,
                   std::vector<std::unique_ptr<PluginInstance>>& sources, bool explicitSource, bool dryRun)
    : run_(run), provider_(provider), writer_(writer), sources_(sources), explicitSource_(explicitSource),
      dryRun_(dryRun) {}

OpResult Pipeline::timed(PluginInstance& instance, kr_operation_fn fn, const char* stage) {
  const auto start = std::chrono::steady_clock::now();
  run_.logger.debug(std::string("stage ") + stage + ": " + instance.plugin().origin());
  OpResult r = instance.call(fn, stage);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const std::string key = std::string(stage) + (std::string(stage) == "validate" || std::string(stage) == "resolve"
                                                    ? "." + instance.plugin().origin()
                                                    : std::string());
  out_.timingsMs.emplace_back(key, static_cast<long long>(ms));
  return r;
}

void Pipeline::fail(int exitCode, const char* stage, const OpResult& r) {
  out_.exitCode = exitCode;
  out_.status = statusForExit(exitCode);
  out_.hasError = true;
  out_.error = StageError{stage, r.code, r.message};
}

std::string Pipeline::newKeyIds() const {
  return run_.keys.created.empty() ? std::string("(no key id reported)") : text::join(run_.keys.created);
}

bool Pipeline::resolveCredentials() {
  const CredentialResolution r = resolveAdminCredential(
      run_, provider_.plugin().requiredCredentials, sources_, explicitSource_, [this](PluginInstance& source) {
        return timed(source, source.descriptor().credential_source->resolve, "resolve");
      });
  if (r.found) {
    out_.credentialSource = r.source;
    return true;
  }
  fail(r.error.status == KR_ERR_FAILED ? kExitFailed : kExitConfig, "validate", r.error);
  return false;
}

bool Pipeline::rollbackNewCredential() {
  out_.rollbackAttempted = true;
  const OpResult r = timed(provider_, provider_.descriptor().provider->rollback, "rollback");
  out_.rollbackOk = r.ok();
  if (!r.ok()) {
    out_.rollbackError = StageError{"rollback", r.code, r.message};
    run_.logger.error("rollback failed: the new credential " + newKeyIds() +
                      " still exists and must be removed by hand: " + r.message);
  } else {
    run_.logger.info("rollback: the new credential " + newKeyIds() + " was removed again");
  }
  return r.ok();
}

void Pipeline::undo(const char* stage, const OpResult& failure, bool storeSucceeded) {
  fail(kExitFailed, stage, failure);
  if (storeSucceeded && writer_.descriptor().record_writer->revert != nullptr) {
    const OpResult rv = timed(writer_, writer_.descriptor().record_writer->revert, "revert");
    if (!rv.ok()) {
      // Keeper may hold the new secret now. Removing it would leave Keeper without a working one: keep it.
      out_.exitCode = kExitRollbackFailed;
      out_.status = statusForExit(kExitRollbackFailed);
      out_.rollbackAttempted = true;
      out_.rollbackOk = false;
      out_.rollbackError = StageError{"revert", rv.code,
                                      "the record could not be reverted (" + rv.message + "), so the new credential " +
                                          newKeyIds() + " was left in place: Keeper may hold it and it works; old "
                                          "credentials are untouched"};
      run_.logger.error(out_.rollbackError.message);
      return;
    }
  }
  if (!rollbackNewCredential()) {
    out_.exitCode = kExitRollbackFailed;
    out_.status = statusForExit(kExitRollbackFailed);
  }
}

void Pipeline::buildPlan(bool durable) {
  auto& p = out_.plan;
  p.push_back("validate: fields, admin credential (" +
              (out_.credentialSource.empty() ? std::string("none needed") : "source " + out_.credentialSource) +
              "), " + provider_.plugin().origin() + ", " + writer_.plugin().origin());
  p.push_back("create a new credential with " + provider_.plugin().origin());
  p.push_back("prove the new credential works");
  if (durable) {
    p.push_back("store it with " + writer_.plugin().origin() + " and read it back");
    p.push_back("retire old credentials as the PAM User's policy says");
  } else {
    p.push_back("show it through " + writer_.plugin().origin() + " (not durable: rehearsal)");
    p.push_back("remove the new credential again; old credentials are never touched");
  }
}

Outcome Pipeline::run() {
  const kr_provider_ops& prov = *provider_.descriptor().provider;
  const kr_record_writer_ops& wr = *writer_.descriptor().record_writer;
  const bool durable = (wr.capabilities & KR_WRITER_DURABLE) != 0;

  // 1. Validate: no side effects anywhere.
  if (!resolveCredentials()) return out_;
  if (OpResult r = timed(provider_, prov.validate, "validate"); !r.ok()) {
    fail(validateExit(r.status), "validate", r);
    return out_;
  }
  if (OpResult r = timed(writer_, wr.validate, "validate"); !r.ok()) {
    fail(validateExit(r.status), "validate", r);
    return out_;
  }
  if (dryRun_) {
    buildPlan(durable);
    for (const auto& step : out_.plan) run_.logger.info("plan: " + step);
    out_.status = "dry-run";
    return out_;
  }
  if (!durable)
    run_.logger.info("record writer '" + writer_.plugin().name +
                     "' is not durable: this run is a rehearsal (the new credential is removed again)");

  // 2. Create.
  if (OpResult r = timed(provider_, prov.create, "create"); !r.ok()) {
    if (run_.keys.created.empty()) {
      fail(kExitFailed, "create", r);
    } else {
      undo("create", r, false);  // the provider got as far as creating a key: remove it
    }
    return out_;
  }
  run_.logger.info("created new credential " + newKeyIds());

  // 3. Prove, 4. store.
  if (OpResult r = timed(provider_, prov.prove, "prove"); !r.ok()) {
    undo("prove", r, false);
    return out_;
  }
  if (OpResult r = timed(writer_, wr.store, "store"); !r.ok()) {
    undo("store", r, false);
    return out_;
  }
  if (!durable) {
    if (!rollbackNewCredential()) {
      fail(kExitRollbackFailed, "rollback", OpResult{KR_ERR_FAILED, out_.rollbackError.code,
                                                     "rehearsal could not remove the new credential " +
                                                         newKeyIds() + ": " + out_.rollbackError.message});
      return out_;
    }
    out_.status = "rehearsed";
    return out_;
  }
  if (OpResult r = timed(writer_, wr.verify, "verify"); !r.ok()) {
    undo("verify", r, true);
    return out_;
  }

  // 5. Retire: only now, after a durable write was read back.
  const OpResult r = timed(provider_, prov.retire, "retire");
  if (!r.ok() || !run_.keys.remaining.empty()) {
    OpResult e = r;
    if (e.ok()) {
      e.code = "retire.incomplete";
      e.message = "some old credentials remain";
    }
    e.message += run_.keys.remaining.empty() ? std::string(" (no remaining key ids reported)")
                                             : " (remaining: " + text::join(run_.keys.remaining) + ")";
    e.message = "the new credential is stored and works, but retiring old ones failed: " + e.message;
    fail(kExitRetireIncomplete, "retire", e);
    return out_;
  }
  out_.status = "rotated";
  return out_;
}

}  // namespace keeper_rotate::host
