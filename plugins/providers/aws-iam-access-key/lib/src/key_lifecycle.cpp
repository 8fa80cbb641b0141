#include "kr_aws_iam/key_lifecycle.hpp"

#include "kr_aws_iam/plugin_metadata.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace kr_aws_iam {

namespace aws = keeper_rotate::aws;
using keeper_rotate::Context;
using Clock = std::chrono::steady_clock;

namespace {

bool hasKey(const std::vector<KeyInfo>& keys, const std::string& id) {
  return std::any_of(keys.begin(), keys.end(), [&](const KeyInfo& k) { return k.accessKeyId == id; });
}

std::string seconds(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

// UTC time as IAM writes CreateDate, `ago` before now.
std::string utcBefore(std::chrono::seconds ago) {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

KeyLifecycle::KeyLifecycle(RotationSettings settings) : settings_(std::move(settings)) {}
KeyLifecycle::~KeyLifecycle() = default;

template <class Body>
void KeyLifecycle::guarded(Context& ctx, CallContext call, Body&& body) {
  currentCtx_ = &ctx;
  call.userName = config_.userName;
  if (call.callerArn.empty()) call.callerArn = caller_.arn;
  try {
    body();
  } catch (const aws::ServiceError& e) {
    throw explainServiceError(e, call);
  } catch (const aws::Unreachable& e) {
    throw explainUnreachable(e, call);
  } catch (const aws::OutcomeUnknown& e) {
    throw keeper_rotate::failure("aws.outcome_unknown", call.action + " for IAM user '" + config_.userName +
                                                            "': " + e.what());
  } catch (const aws::XmlError& e) {
    throw keeper_rotate::failure("aws.bad_response", call.action + " at " + call.endpoint +
                                                         " answered with a response keeper-rotate cannot read (" +
                                                         e.what() + "); is the endpoint an AWS " +
                                                         "IAM/STS endpoint?");
  }
}

void KeyLifecycle::setUp(Context& ctx) {
  config_ = RotationConfig::fromContext(ctx);
  // Every pause (retry backoff, proof interval) waits through the host: a signal or the run's time budget ends it.
  if (!settings_.sleeper)
    settings_.sleeper = [this](std::chrono::milliseconds d) {
      if (currentCtx_)
        currentCtx_->wait(d, "AWS (retry or proof pause)");
      else
        std::this_thread::sleep_for(d);
    };
  try {
    http_ = std::make_unique<keeper_rotate::https::Client>(settings_.http);
  } catch (const keeper_rotate::https::TransportError& e) {  // the trusted CAs cannot be loaded
    throw keeper_rotate::configError(e.code(), std::string("aws-iam-access-key: ") + e.what() +
                                                   ". Point SSL_CERT_FILE at a readable PEM bundle of CA certificates "
                                                   "(or unset it for the system store). Nothing was changed.");
  }
  auto log = [this](const std::string& line) {
    if (currentCtx_) currentCtx_->warn("aws-iam-access-key: " + line);
  };
  iam_ = std::make_unique<aws::QueryClient>(*http_, config_.iamService(), settings_.retry, settings_.sleeper, log);
  sts_ = std::make_unique<aws::QueryClient>(*http_, config_.stsService(), settings_.retry, settings_.sleeper, log);
  // The proof loop does its own pacing: one request per attempt.
  aws::RetryPolicy once = settings_.retry;
  once.maxAttempts = 1;
  proofSts_ = std::make_unique<aws::QueryClient>(*http_, config_.stsService(), once, settings_.sleeper);
  api_ = std::make_unique<IamApi>(*iam_, *sts_);
  proofApi_ = std::make_unique<IamApi>(*iam_, *proofSts_);
}

void KeyLifecycle::loadAdminCredential(Context& ctx) {
  const auto id = ctx.credential("access_key_id");
  const auto secret = ctx.credential("secret_access_key");
  if (!id || id->empty() || !secret || secret->empty())
    throw keeper_rotate::configError(
        "credential.incomplete",
        "The admin credential is incomplete: aws-iam-access-key needs an access key id and its secret access key "
        "(an attached record with aws_access_key_id and aws_secret_access_key, the AWS PAM Configuration's "
        "accessKeyId and accessSecretKey, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or instance-role)");
  const auto token = ctx.credential("session_token");
  adminKeyId_ = std::string(*id);
  admin_ = aws::Credentials(adminKeyId_, *secret, token ? *token : std::string_view());
  ctx.registerSecret(admin_.secretAccessKey.reveal());
  if (admin_.temporary()) ctx.registerSecret(admin_.sessionToken.reveal());

  const auto roleArn = ctx.credential("role_arn");
  if (!roleArn || roleArn->empty()) return;
  const std::string role(*roleArn);
  if (role.rfind("arn:", 0) != 0 || role.find(":role/") == std::string::npos)
    throw keeper_rotate::configError("credential.role_arn", "role_arn '" + role +
                                                                "' is not an IAM role ARN (arn:<partition>:iam::"
                                                                "<account>:role/<name>)");
  guarded(ctx, CallContext{"AssumeRole " + role + " (admin credential)", "", "", config_.stsEndpoint, "", true}, [&] {
    admin_ = api_->assumeRole(admin_, role, "keeper-rotate");
  });
  ctx.registerSecret(admin_.secretAccessKey.reveal());
  ctx.registerSecret(admin_.sessionToken.reveal());
  ctx.info("aws-iam-access-key: assumed role " + role + " with admin key " + adminKeyId_);
}

std::string KeyLifecycle::userArn() const {
  return config_.partition.arnPrefix + "iam::" + caller_.account + ":user/" + config_.userName;
}

bool KeyLifecycle::namesUser(const std::string& arn) const {
  // arn:<partition>:iam::<account>:user[/<path>]/<name>; IAM user names are unique ignoring case.
  const std::string prefix = config_.partition.arnPrefix + "iam::" + caller_.account + ":user/";
  if (arn.rfind(prefix, 0) != 0) return false;
  const std::string name = arn.substr(arn.rfind('/') + 1);
  return name.size() == config_.userName.size() &&
         std::equal(name.begin(), name.end(), config_.userName.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

const aws::Credentials& KeyLifecycle::retireSigner() const {
  return selfRotation_ && newKeyProven_ && !newKey_.secretAccessKey.empty() ? newKey_ : admin_;
}

void KeyLifecycle::validate(Context& ctx) {
  currentCtx_ = &ctx;
  setUp(ctx);
  loadAdminCredential(ctx);
  guarded(ctx, CallContext{"GetCallerIdentity (admin credential)", "", "", config_.stsEndpoint, "", true},
          [&] { caller_ = api_->getCallerIdentity(admin_); });
  if (caller_.arn.rfind(config_.partition.arnPrefix, 0) != 0)
    throw keeper_rotate::configError("aws.partition_mismatch",
                                     "The admin credential is " + caller_.arn + ", not of the " +
                                         config_.partition.name + " partition the record configures (" +
                                         config_.partition.arnPrefix + "...); set aws_partition/aws_region to match");
  selfRotation_ = namesUser(caller_.arn);
  guarded(ctx, CallContext{"ListAccessKeys", "", "", config_.iamEndpoint, "", true},
          [&] { keysBefore_ = api_->listAccessKeys(admin_, config_.userName); });
  // Keys a killed run created and never stored are removed right after validate (host setting journaled_key_ids):
  // they count neither against the two-key limit nor as old keys.
  journaled_.clear();
  const std::vector<std::string> journaled = splitKeyIds(std::string(ctx.setting("journaled_key_ids").value_or("")));
  for (auto it = keysBefore_.begin(); it != keysBefore_.end();)
    if (std::find(journaled.begin(), journaled.end(), it->accessKeyId) != journaled.end() &&
        it->accessKeyId != config_.heldKeyId) {
      journaled_.push_back(*it);
      it = keysBefore_.erase(it);
    } else {
      ++it;
    }
  if (!journaled_.empty())
    ctx.info("aws-iam-access-key: " + describeKeys(journaled_, "") + " left by a killed run will be deleted first");
  heldKeyPresent_ = !config_.heldKeyId.empty() && hasKey(keysBefore_, config_.heldKeyId);

  ctx.info("aws-iam-access-key: IAM user " + userArn() + " has " + std::to_string(keysBefore_.size()) +
           " access key(s): " + describeKeys(keysBefore_, config_.heldKeyId) + "; admin " + caller_.arn +
           "; old_keys=" + config_.oldKeysText + ", when_full=" + config_.whenFullText +
           (selfRotation_ ? "; the user rotates its own key" : ""));
  if (config_.heldKeyId.empty())
    ctx.info("aws-iam-access-key: the record holds no access key yet (first rotation)");
  else if (!heldKeyPresent_)
    ctx.warn("aws-iam-access-key: the record's aws_access_key_id " + config_.heldKeyId + " is not a key of IAM user " +
             config_.userName + " (deleted, or of another user): Keeper holds no working key for this user now; "
             "the new key replaces it");

  slot_.reset();
  if (keysBefore_.size() >= kMaxKeysPerUser) {
    slot_ = chooseKeyToFree(keysBefore_, config_);
    if (slot_ && slot_->keyId == adminKeyId_) slot_.reset();  // never the key this run signs with
    const std::string full = "IAM user " + config_.userName + " already has " + std::to_string(keysBefore_.size()) +
                             " access keys (" + describeKeys(keysBefore_, config_.heldKeyId) +
                             "), AWS's limit, so the new key needs a free slot";
    if (!slot_)
      throw keeper_rotate::configError(
          "aws.user_full",
          full + ", and when_full=" + config_.whenFullText +
              " allows deleting none of them (the key Keeper holds is never deleted before the new one is stored). "
              "Delete or let keeper-rotate delete an unused key: set when_full=delete-inactive (an Inactive key) or "
              "delete-unheld (any key Keeper does not hold). Nothing was changed.");
    if (config_.rehearsal)
      throw keeper_rotate::configError(
          "aws.user_full",
          full + "; a rehearsal (a non-durable record writer) never deletes a key, so it cannot run while the user "
                 "is full. It would delete " + slot_->keyId + " (" + slot_->reason + "). Nothing was changed.");
    ctx.info("aws-iam-access-key: " + full + ": " + slot_->keyId + " (" + slot_->reason +
             ") will be deleted right before the new key is created");
  }
  if (selfRotation_ && config_.oldKeys != OldKeys::Keep && heldKeyPresent_ && adminKeyId_ == config_.heldKeyId)
    ctx.info("aws-iam-access-key: the admin credential is the key being rotated; after the store, old keys are "
             "retired with the new key");
}

void KeyLifecycle::freeSlot(Context& ctx) {
  if (!slot_) return;
  const std::string id = slot_->keyId;
  guarded(ctx, CallContext{"DeleteAccessKey " + id + " (to free a slot)", "", "", config_.iamEndpoint, id, false},
          [&] {
            const bool deleted = api_->deleteAccessKey(admin_, config_.userName, id);
            freedKeys_.push_back(id);
            ctx.reportKey(KR_KEY_REMOVED, id);
            ctx.info("aws-iam-access-key: deleted access key " + id + " to free a slot (" + slot_->reason + ")" +
                     (deleted ? "" : "; it was already gone"));
          });
}

void KeyLifecycle::createReconciling(Context& ctx) {
  std::optional<NewKey> created;
  for (int round = 1; !created; ++round) {
    // Keys created after this (with room for clock skew) can be the lost call's.
    const std::string startedAt = utcBefore(std::chrono::minutes(5));
    try {
      created = api_->createAccessKey(admin_, config_.userName);
    } catch (const aws::OutcomeUnknown& e) {
      // Never repeat CreateAccessKey blindly: the lost call may have created a key whose secret nobody has, and it
      // would occupy one of the user's two slots. Look first; delete what this run cannot use; then try again.
      ctx.warn(std::string("aws-iam-access-key: CreateAccessKey: ") + e.what() +
               "; listing the user's keys before trying again");
      const std::vector<KeyInfo> now = api_->listAccessKeys(admin_, config_.userName);
      for (const auto& k : now) {
        if (hasKey(keysBefore_, k.accessKeyId) || normaliseIsoDate(k.createDate) < startedAt) continue;
        ctx.warn("aws-iam-access-key: access key " + k.accessKeyId +
                 " was created by the CreateAccessKey whose answer was lost (its secret was never received); "
                 "deleting it");
        api_->deleteAccessKey(admin_, config_.userName, k.accessKeyId);
      }
      if (round >= 3)
        throw keeper_rotate::failure("aws.create_unknown",
                                     "CreateAccessKey for IAM user " + config_.userName + " failed " +
                                         std::to_string(round) + " times without a usable answer (last: " + e.what() +
                                         "). No new key is left behind.");
    }
  }
  newKeyId_ = created->accessKeyId;
  newKey_ = aws::Credentials(newKeyId_, created->secretAccessKey.reveal());
  ctx.registerSecret(newKey_.secretAccessKey.reveal());
  ctx.reportKey(KR_KEY_CREATED, newKeyId_);

  std::vector<KeyInfo> others;
  for (const auto& k : keysBefore_)
    if (std::find(freedKeys_.begin(), freedKeys_.end(), k.accessKeyId) == freedKeys_.end()) others.push_back(k);
  const RetirePlan plan = planRetire(others, newKeyId_, config_);
  std::vector<std::string> retired = freedKeys_;
  retired.insert(retired.end(), plan.remove.begin(), plan.remove.end());
  retired.insert(retired.end(), plan.deactivate.begin(), plan.deactivate.end());

  ctx.putResult(kKeyIdField, newKeyId_, false);
  ctx.putResult(kSecretField, newKey_.secretAccessKey.reveal(), true);
  ctx.putResult(kCreateDateField, created->createDate, false);
  ctx.putResult(kRemovedField, joinKeyIds(retired), false);
  ctx.putResult(kPreviousField,
                config_.oldKeys == OldKeys::KeepPrevious && heldKeyPresent_ ? config_.heldKeyId : std::string(),
                false);
  ctx.info("aws-iam-access-key: created access key " + newKeyId_ + " for IAM user " + config_.userName +
           " (CreateDate " + created->createDate + ")");
}

void KeyLifecycle::create(Context& ctx) {
  if (!api_) throw keeper_rotate::Error(KR_ERR_INTERNAL, "aws.sequence", "create called before validate");
  currentCtx_ = &ctx;
  freeSlot(ctx);
  guarded(ctx, CallContext{"CreateAccessKey", "", "", config_.iamEndpoint, "", false},
          [&] { createReconciling(ctx); });
}

void KeyLifecycle::prove(Context& ctx) {
  currentCtx_ = &ctx;
  if (newKeyId_.empty()) throw keeper_rotate::Error(KR_ERR_INTERNAL, "aws.sequence", "prove called before create");
  if (config_.verifyTimeoutSeconds == 0) {
    ctx.warn("aws-iam-access-key: verify_timeout_seconds is 0: the new key is NOT proven before it is stored; clients "
             "may see InvalidClientTokenId until AWS has replicated it");
    newKeyProven_ = true;
    return;
  }
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(config_.verifyTimeoutSeconds);
  auto nextProgress = start + settings_.progressInterval;
  int streak = 0, attempts = 0;
  std::string lastFailure = "none";
  for (;;) {
    ++attempts;
    try {
      const CallerIdentity id = proofApi_->getCallerIdentity(newKey_);
      if (!namesUser(id.arn))
        throw keeper_rotate::failure("prove.identity", "STS says the new key " + newKeyId_ + " belongs to " + id.arn +
                                                           ", not to " + userArn() + "; the new key is removed again");
      if (++streak >= config_.verifySuccesses) break;
    } catch (const aws::ServiceError& e) {
      streak = 0;
      lastFailure = e.code() + " (HTTP " + std::to_string(e.httpStatus()) + ")";
      ctx.debug("aws-iam-access-key: new key not accepted yet: " + lastFailure);
    } catch (const aws::PermanentlyUnreachable& e) {
      // No later attempt can succeed (certificate, DNS, proxy): waiting out verify_timeout_seconds would only
      // delay the rollback.
      throw explainPermanentlyUnreachable(
          e, CallContext{"GetCallerIdentity (proving the new key " + newKeyId_ + "; it is removed again)",
                         config_.userName, caller_.arn, config_.stsEndpoint, newKeyId_, false});
    } catch (const aws::Unreachable& e) {
      streak = 0;
      lastFailure = std::string("unreachable: ") + e.what();
    } catch (const aws::XmlError& e) {
      streak = 0;
      lastFailure = std::string("unreadable answer: ") + e.what();
    }
    const auto now = Clock::now();
    if (now + settings_.proveInterval > deadline)
      throw keeper_rotate::failure(
          "prove.timeout",
          "The new access key " + newKeyId_ + " was not accepted by STS " + std::to_string(config_.verifySuccesses) +
              " times in a row within verify_timeout_seconds=" + std::to_string(config_.verifyTimeoutSeconds) + " (" +
              std::to_string(attempts) + " GetCallerIdentity calls at " + config_.stsEndpoint + "; last failure: " +
              lastFailure + "). New keys usually work within 5-20 s; raise verify_timeout_seconds if this repeats. "
              "The new key is removed again.");
    if (now >= nextProgress) {
      ctx.info("aws-iam-access-key: waiting for the new key " + newKeyId_ + " to work: " + std::to_string(attempts) +
               " attempts, " + std::to_string(streak) + " of " + std::to_string(config_.verifySuccesses) +
               " successes in a row, " + seconds(deadline - now) + " left (last failure: " + lastFailure + ")");
      nextProgress = now + settings_.progressInterval;
    }
    settings_.sleep(settings_.proveInterval);
  }
  newKeyProven_ = true;
  ctx.info("aws-iam-access-key: new key " + newKeyId_ + " proven: " + std::to_string(config_.verifySuccesses) +
           " consecutive successful STS GetCallerIdentity calls (" + std::to_string(attempts) + " in total, " +
           seconds(Clock::now() - start) + ")");
}

void KeyLifecycle::retire(Context& ctx) {
  if (!api_ || newKeyId_.empty())
    throw keeper_rotate::Error(KR_ERR_INTERNAL, "aws.sequence", "retire called before create");
  currentCtx_ = &ctx;
  const aws::Credentials& signer = retireSigner();
  // IAM in the region that serves us may accept the new key a little later than STS did: a few patient retries
  // for InvalidClientTokenId, only when the new key signs.
  auto withSigner = [&](auto&& call) {
    for (int attempt = 1;; ++attempt) {
      try {
        return call();
      } catch (const aws::ServiceError& e) {
        if (&signer != &newKey_ || e.code() != "InvalidClientTokenId" || attempt >= 5) throw;
        settings_.sleep(settings_.proveInterval);
      }
    }
  };

  std::vector<KeyInfo> current;
  try {
    current = withSigner([&] { return api_->listAccessKeys(signer, config_.userName); });
  } catch (const std::exception& e) {
    ctx.warn(std::string("aws-iam-access-key: could not list the user's keys before retiring (") + e.what() +
             "); using the keys seen at validation");
    for (const auto& k : keysBefore_)
      if (std::find(freedKeys_.begin(), freedKeys_.end(), k.accessKeyId) == freedKeys_.end()) current.push_back(k);
  }
  const RetirePlan plan = planRetire(current, newKeyId_, config_);
  std::vector<std::string> remaining;
  std::string firstError;
  auto attempt = [&](const std::string& id, const char* verb, auto&& call) {
    // A signal (or the spent retire budget) stops the retire between keys: what is left is reported, the run
    // ends with exit 5 (docs/contract.md, "Stopped runs and time budgets").
    if (ctx.stopRequested()) {
      ctx.reportKey(KR_KEY_REMAINING, id);
      remaining.push_back(id);
      if (firstError.empty()) firstError = "stopped (" + ctx.stopReason() + ") before it was retired";
      return;
    }
    try {
      withSigner(call);
      ctx.reportKey(KR_KEY_REMOVED, id);
      ctx.info(std::string("aws-iam-access-key: ") + verb + " old access key " + id);
    } catch (const std::exception& e) {
      std::string why = e.what();
      if (const auto* se = dynamic_cast<const aws::ServiceError*>(&e))
        why = explainServiceError(*se, CallContext{verb, config_.userName, caller_.arn, config_.iamEndpoint, id, false})
                  .what();
      ctx.reportKey(KR_KEY_REMAINING, id);
      remaining.push_back(id);
      if (firstError.empty()) firstError = why;
      ctx.warn("aws-iam-access-key: could not retire old access key " + id + ": " + why);
    }
  };
  for (const auto& id : plan.remove)
    attempt(id, "deleted", [&] { api_->deleteAccessKey(signer, config_.userName, id); });
  for (const auto& id : plan.deactivate)
    attempt(id, "deactivated", [&] { api_->updateAccessKey(signer, config_.userName, id, "Inactive"); });
  for (const auto& id : plan.keep) {
    ctx.reportKey(KR_KEY_KEPT, id);
    ctx.info("aws-iam-access-key: kept old access key " + id + " (old_keys=" + config_.oldKeysText + ")");
  }
  if (!remaining.empty())
    throw keeper_rotate::failure("retire.partial",
                                 "The new access key " + newKeyId_ + " is stored and works, but " +
                                     std::to_string(remaining.size()) + " old key(s) could not be retired: " +
                                     joinKeyIds(remaining) + " (first error: " + firstError +
                                     "). Retire them in IAM or run the rotation again.");
}

void KeyLifecycle::remove(Context& ctx) {
  currentCtx_ = &ctx;
  if (!api_) throw keeper_rotate::Error(KR_ERR_INTERNAL, "aws.sequence", "remove called before validate");
  const std::string id(ctx.setting("remove_key_id").value_or(""));
  const bool ours = std::any_of(journaled_.begin(), journaled_.end(), [&](const KeyInfo& k) { return k.accessKeyId == id; });
  if (id.empty() || !ours) {
    ctx.info("aws-iam-access-key: " + (id.empty() ? std::string("no key id to remove") : id + " is not a key of IAM user " +
                                                                                            config_.userName + " (any more)"));
    return;
  }
  guarded(ctx, CallContext{"DeleteAccessKey " + id + " (left by a killed run)", "", "", config_.iamEndpoint, id, false},
          [&] { api_->deleteAccessKey(admin_, config_.userName, id); });
  journaled_.erase(std::remove_if(journaled_.begin(), journaled_.end(), [&](const KeyInfo& k) { return k.accessKeyId == id; }),
                   journaled_.end());
}

void KeyLifecycle::rollback(Context& ctx) {
  currentCtx_ = &ctx;
  if (!freedKeys_.empty())
    ctx.warn("aws-iam-access-key: access key(s) " + joinKeyIds(freedKeys_) +
             " deleted to free a slot cannot be restored (when_full allowed deleting them)");
  if (!api_ || newKeyId_.empty()) {
    ctx.info("aws-iam-access-key: rollback: no new key was created");
    return;
  }
  guarded(ctx, CallContext{"DeleteAccessKey " + newKeyId_ + " (rollback)", "", "", config_.iamEndpoint, newKeyId_, false},
          [&] {
            try {
              const bool deleted = api_->deleteAccessKey(admin_, config_.userName, newKeyId_);
              ctx.info("aws-iam-access-key: deleted the new access key " + newKeyId_ + " again" +
                       (deleted ? "" : " (it was already gone)"));
            } catch (const std::exception& e) {
              throw keeper_rotate::failure("rollback.failed",
                                           "Could not delete the new access key " + newKeyId_ + " of IAM user " +
                                               config_.userName + " again (" + e.what() +
                                               "); it remains in IAM: delete it there.");
            }
          });
}

}  // namespace kr_aws_iam
