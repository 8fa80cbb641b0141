#include "kr_azure/secret_lifecycle.hpp"

#include "kr_azure/graph_errors.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace kr_azure {

using keeper_rotate::Context;

namespace {

std::string utcText(std::chrono::system_clock::time_point t, const char* pattern) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

// GUIDs compare case-insensitively (Graph returns lower case; admins may paste upper case).
bool sameId(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool containsId(const std::vector<std::string>& ids, const std::string& id) {
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& x) { return sameId(x, id); });
}

std::string joinIds(const std::vector<std::string>& ids) {
  std::string s;
  for (const auto& id : ids) s += (s.empty() ? "" : ", ") + id;
  return s.empty() ? "none" : s;
}

// A transport error no retry can fix (https::TransportError::permanent()): a configuration error (exit 3 in
// validate; the host rolls back after that) with the https code and what to change.
keeper_rotate::Error permanentTransport(const keeper_rotate::https::TransportError& e, const std::string& during,
                                        const Endpoints& endpoints, bool nothingChanged) {
  using keeper_rotate::https::TransportFailure;
  std::string advice;
  switch (e.kind()) {
    case TransportFailure::Certificate:
    case TransportFailure::HostName:
      advice = "If it is not the endpoint meant, correct azure_authority_host / azure_graph_endpoint (now " +
               endpoints.authority + " and " + endpoints.graph + ") or azure_cloud.";
      break;
    case TransportFailure::UnknownHost:
      advice = "Correct azure_authority_host / azure_graph_endpoint (now " + endpoints.authority + " and " +
               endpoints.graph + ") or azure_cloud, or this machine's DNS.";
      break;
    case TransportFailure::ProxyRefused:
      advice = "Allow the host in the proxy named by HTTPS_PROXY (or fix its credentials), or list it in NO_PROXY.";
      break;
    default:
      advice = "Check the endpoint URLs and HTTPS_PROXY.";
      break;
  }
  return keeper_rotate::configError(e.code(), "azure-app-secret (" + during +
                                                  ") cannot reach Entra ID / Microsoft Graph, and no retry can fix "
                                                  "it: " + e.what() + ". " + advice +
                                                  (nothingChanged ? " Nothing was changed." : ""));
}

}  // namespace

SecretLifecycle::SecretLifecycle(RotationSettings settings) : settings_(std::move(settings)) {}
SecretLifecycle::~SecretLifecycle() = default;

template <class Body>
void SecretLifecycle::guarded(Context& ctx, const char* operation, Body&& body) {
  currentCtx_ = &ctx;
  try {
    body();
  } catch (const GraphError& e) {
    ErrorContext ec{operation, target_.id.empty() ? config_.target : target_.id, adminClientId_, config_.lifetimeDays,
                    target_.passwords.size()};
    throw explainGraphError(e, ec);
  } catch (const GraphUnreachable& e) {
    throw keeper_rotate::failure("graph.unreachable", std::string(e.what()) +
                                                          ". Check network access to azure_graph_endpoint (" +
                                                          config_.endpoints.graph + ") and HTTPS_PROXY/NO_PROXY.");
  } catch (const keeper_rotate::https::TransportError& e) {
    // Only permanent ones get here: the token and Graph clients keep every other transport error to themselves.
    throw permanentTransport(e, std::string(operation) == "read" ? "validate: token request and target app" : operation,
                             config_.endpoints, newKeyId_.empty());
  }
}

void SecretLifecycle::setUp(Context& ctx) {
  config_ = RotationConfig::fromContext(ctx);
  auto tenant = ctx.credential("tenant_id");
  auto clientId = ctx.credential("client_id");
  auto secret = ctx.credential("client_secret");
  if (!tenant || tenant->empty() || !clientId || clientId->empty() || !secret || secret->empty())
    throw keeper_rotate::configError("credential.incomplete",
                                     "The admin credential is incomplete: azure-app-secret needs tenant_id, client_id "
                                     "and client_secret (from an attached admin record, the PAM Configuration, or "
                                     "AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)");
  tenant_ = std::string(*tenant);
  adminClientId_ = std::string(*clientId);
  adminSecret_ = keeper_rotate::Secret(*secret);
  ctx.registerSecret(adminSecret_.reveal());
  try {
    http_ = std::make_unique<keeper_rotate::https::Client>(settings_.http);
  } catch (const keeper_rotate::https::TransportError& e) {  // the trusted CAs cannot be loaded
    throw keeper_rotate::configError(e.code(), std::string("azure-app-secret: ") + e.what() +
                                                   ". Point SSL_CERT_FILE at a readable PEM bundle of CA certificates "
                                                   "(or unset it for the system store). Nothing was changed.");
  }
  if (settings_.waitThroughHost)
    settings_.sleeper = [this](std::chrono::milliseconds d) {
      if (currentCtx_)
        currentCtx_->wait(d, "Entra ID / Microsoft Graph (retry or proof pause)");
      else
        realSleeper()(d);
    };
  tokens_ = std::make_unique<TokenClient>(*http_, config_.endpoints, settings_.retry, settings_.sleeper);
  graph_ = std::make_unique<GraphClient>(
      *http_, config_.endpoints.graph, [this](bool refresh) -> const keeper_rotate::Secret& { return graphToken(refresh); },
      settings_.retry, settings_.sleeper, [this](const std::string& line) {
        if (currentCtx_) currentCtx_->warn("azure-app-secret: " + line);
      });
}

const keeper_rotate::Secret& SecretLifecycle::graphToken(bool refresh) {
  const auto now = std::chrono::steady_clock::now();
  if (!refresh && !accessToken_.empty() && now < tokenRefreshAt_) return accessToken_;
  // Self-rotation: once retire may have removed the admin's old secret, only the new (proven) one still works.
  const bool useNew = selfRotation_ && newSecretProven_ && !newSecret_.empty() && retiring_;
  TokenResult r = tokens_->request(tenant_, adminClientId_, useNew ? newSecret_ : adminSecret_);
  if (!r.ok) throw explainTokenFailure(r, tenant_, adminClientId_, config_.endpoints);
  accessToken_ = std::move(r.accessToken);
  if (currentCtx_) currentCtx_->registerSecret(accessToken_.reveal());
  const auto lifetime = std::max<std::chrono::seconds>(r.expiresIn - std::chrono::seconds(300), std::chrono::seconds(60));
  tokenRefreshAt_ = now + lifetime;
  return accessToken_;
}

AppInfo SecretLifecycle::resolveTarget(Context& ctx) {
  if (auto byObjectId = graph_->getById(config_.target)) return *byObjectId;
  auto matches = graph_->findByAppId(config_.target);
  if (matches.size() == 1) {
    ctx.info("azure-app-secret: application (client) id " + config_.target + " is application object id " +
             matches[0].id);
    return matches[0];
  }
  if (matches.empty())
    throw keeper_rotate::configError(
        "target.not_found",
        "application_object_id " + config_.target + " is neither the Object ID nor the Application (client) ID of an "
        "app registration in tenant " + tenant_ + " visible to the admin app " + adminClientId_ +
        ". Use the values from the app registration's Overview page (an Enterprise application / service principal "
        "object id is a different id).");
  std::vector<std::string> ids;
  for (const auto& m : matches) ids.push_back(m.id);
  throw keeper_rotate::configError("target.ambiguous", "application (client) id " + config_.target + " matches " +
                                                           std::to_string(matches.size()) +
                                                           " applications (object ids " + joinIds(ids) +
                                                           "); set application_object_id to the Object ID");
}

void SecretLifecycle::validate(Context& ctx) {
  currentCtx_ = &ctx;
  setUp(ctx);
  guarded(ctx, "read", [&] {
    graphToken(true);
    target_ = resolveTarget(ctx);
  });
  selfRotation_ = sameId(target_.appId, adminClientId_);
  // Secrets a killed run created and never stored (host setting journaled_key_ids) are removed right after
  // validate: they are not old secrets of this run.
  std::vector<std::string> journaled;
  {
    const std::string list(ctx.setting("journaled_key_ids").value_or(""));
    for (std::size_t start = 0; start < list.size();) {
      const std::size_t comma = std::min(list.find(',', start), list.size());
      if (comma > start) journaled.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
  }
  keyIdsBefore_.clear();
  journaled_.clear();
  for (const auto& p : target_.passwords)
    (containsId(journaled, p.keyId) && !sameId(p.keyId, config_.previousKeyId) ? journaled_ : keyIdsBefore_)
        .push_back(p.keyId);
  if (!journaled_.empty())
    ctx.info("azure-app-secret: secret(s) " + joinIds(journaled_) + " left by a killed run will be removed first");
  displayName_ = config_.displayName.empty()
                     ? "keeper-rotate " + utcText(std::chrono::system_clock::now(), "%Y-%m-%d %H:%M:%SZ")
                     : config_.displayName;
  ctx.info("azure-app-secret: target '" + target_.displayName + "' (object id " + target_.id + ", client id " +
           target_.appId + ") has " + std::to_string(target_.passwords.size()) + " client secret(s); old_secrets=" +
           config_.oldSecrets + (selfRotation_ ? "; the admin app rotates its own secret" : ""));
  if (target_.allowsPersonalAccounts() && target_.passwords.size() >= 2)
    throw keeper_rotate::configError(
        "graph.TooManyAppPasswords",
        "Application " + target_.id + " allows personal Microsoft accounts (signInAudience " + target_.signInAudience +
            "); such apps can hold at most 2 client secrets and it already has " +
            std::to_string(target_.passwords.size()) +
            ". keeper-rotate adds the new secret before removing old ones, so it needs one free slot: nothing was "
            "changed. Remove an unused secret of this app in Entra ID, then rotate again.");
  if (selfRotation_ && config_.oldSecrets != "keep-all")
    ctx.warn("azure-app-secret: the admin credential is a secret of the app being rotated; old_secrets=" +
             config_.oldSecrets + " may remove it after the new secret is stored. Make sure the admin credential "
             "source reads the rotated value next time (or use keep-previous/keep-all), otherwise the next run "
             "fails with AADSTS7000215");
  if (config_.oldSecrets == "keep-previous") {
    if (config_.previousKeyId.empty())
      ctx.warn("azure-app-secret: old_secrets=keep-previous but the record has no client_secret_id yet: no secret "
               "is kept, every other secret of the app will be removed");
    else if (!containsId(keyIdsBefore_, config_.previousKeyId))
      ctx.warn("azure-app-secret: old_secrets=keep-previous: the record's client_secret_id " + config_.previousKeyId +
               " is not a secret of this app any more");
  }
}

std::vector<std::string> SecretLifecycle::findStrays(Context& ctx, bool waitForLaggingReads) {
  // Reads can lag writes (docs/azure-graph.md §6.3), so look more than once before concluding nothing was added.
  const int reads = waitForLaggingReads ? 3 : 1;
  std::vector<std::string> strays;
  for (int i = 0; i < reads && strays.empty(); ++i) {
    if (i > 0) settings_.sleeper(settings_.retry.delayFor(i, std::nullopt));
    auto app = graph_->getById(target_.id);
    if (!app) continue;
    for (const auto& p : app->passwords)
      if (!containsId(keyIdsBefore_, p.keyId) && p.displayName == displayName_ && !sameId(p.keyId, newKeyId_))
        strays.push_back(p.keyId);
  }
  if (!strays.empty())
    ctx.warn("azure-app-secret: found secret(s) " + joinIds(strays) +
             " created by an addPassword whose answer was lost; their values were never received, removing them");
  return strays;
}

bool SecretLifecycle::removeKey(Context& ctx, const std::string& keyId, bool confirmGone) {
  auto outcome = graph_->removePassword(target_.id, keyId);
  if (outcome == GraphClient::Removed::Now || !confirmGone) return true;
  // "No password credential found" also appears transiently right after addPassword (docs/azure-graph.md §3.4, §6.3):
  // look, and try again while the key is still listed.
  for (int i = 1; i <= 3; ++i) {
    auto app = graph_->getById(target_.id);
    const bool listed = app && std::any_of(app->passwords.begin(), app->passwords.end(),
                                           [&](const PasswordInfo& p) { return sameId(p.keyId, keyId); });
    if (!listed) return true;
    ctx.warn("azure-app-secret: secret " + keyId + " is still listed after removePassword said it was gone; retrying");
    settings_.sleeper(settings_.retry.delayFor(i, std::nullopt));
    if (graph_->removePassword(target_.id, keyId) == GraphClient::Removed::Now) return true;
  }
  return false;
}

void SecretLifecycle::create(Context& ctx) {
  if (!graph_) throw keeper_rotate::Error(KR_ERR_INTERNAL, "azure.sequence", "create called before validate");
  guarded(ctx, "addPassword", [&] {
    const std::string endDateTime =
        utcText(std::chrono::system_clock::now() + std::chrono::hours(24) * config_.lifetimeDays, "%Y-%m-%dT%H:%M:%SZ");
    std::optional<NewPassword> added;
    bool outcomeWasUnknown = false;
    for (int round = 1; !added; ++round) {
      try {
        added = graph_->addPassword(target_.id, displayName_, endDateTime);
      } catch (const AddOutcomeUnknown& e) {
        // Never simply repeat addPassword: the first may have succeeded and a repeat would leave a second secret
        // whose value nobody has. Look first; remove what we cannot use; only then try again.
        outcomeWasUnknown = true;
        ctx.warn(std::string("azure-app-secret: ") + e.what() + "; checking the application before trying again");
        for (const auto& stray : findStrays(ctx, true))
          if (!removeKey(ctx, stray, true))
            throw keeper_rotate::failure("graph.addPassword.stray",
                                         "A secret (keyId " + stray +
                                             ") was created by an addPassword whose answer was lost and could not be "
                                             "removed; remove it in Entra ID");
        if (round >= 3)
          throw keeper_rotate::failure("graph.addPassword.unknown",
                                       "addPassword on application " + target_.id + " failed " +
                                           std::to_string(round) + " times without a usable answer (last: " +
                                           e.what() + "). No new secret is left behind.");
      }
    }
    newKeyId_ = added->keyId;
    newSecret_ = std::move(added->secret);
    ctx.registerSecret(newSecret_.reveal());
    ctx.reportKey(KR_KEY_CREATED, newKeyId_);
    if (outcomeWasUnknown)  // a lagging read may only now show a secret of an earlier, lost attempt
      for (const auto& stray : findStrays(ctx, false)) removeKey(ctx, stray, true);
    ctx.putResult("client_secret_id", newKeyId_, false);
    ctx.putResult("client_secret", newSecret_.reveal(), true);
    ctx.putResult("expires", added->endDateTime.empty() ? endDateTime : added->endDateTime, false);
    ctx.info("azure-app-secret: created secret " + newKeyId_ + " ('" + displayName_ + "', expires " +
             added->endDateTime + ")");
  });
}

void SecretLifecycle::prove(Context& ctx) {
  currentCtx_ = &ctx;
  if (newSecret_.empty()) throw keeper_rotate::Error(KR_ERR_INTERNAL, "azure.sequence", "prove called before create");
  if (config_.verifyTimeoutSeconds == 0) {
    ctx.warn("azure-app-secret: verify_timeout_seconds is 0: the new secret is NOT proven before it is stored; "
             "clients may see AADSTS7000215 until Entra ID has replicated it");
    newSecretProven_ = true;
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config_.verifyTimeoutSeconds);
  auto nextProgress = std::chrono::steady_clock::now() + settings_.progressInterval;
  int streak = 0, attempts = 0;
  std::string lastFailure = "none";
  for (;;) {
    ++attempts;
    TokenResult r;
    try {
      r = tokens_->request(tenant_, target_.appId, newSecret_, false);
    } catch (const keeper_rotate::https::TransportError& e) {
      // Waiting out verify_timeout_seconds cannot help (certificate, DNS, proxy): fail now, the host rolls back.
      throw permanentTransport(e, "proving the new secret " + newKeyId_ + "; it is removed again",
                               config_.endpoints, false);
    }
    if (r.ok) {
      ctx.registerSecret(r.accessToken.reveal());
      if (++streak >= config_.verifySuccesses) break;
    } else {
      streak = 0;
      lastFailure = summarizeTokenFailure(r);
      ctx.debug("azure-app-secret: new secret not accepted yet (" + lastFailure + ")");
    }
    if (std::chrono::steady_clock::now() + settings_.proveInterval > deadline)
      throw keeper_rotate::failure(
          "prove.timeout",
          "The new secret " + newKeyId_ + " was not accepted " + std::to_string(config_.verifySuccesses) +
              " times in a row within verify_timeout_seconds=" + std::to_string(config_.verifyTimeoutSeconds) + " (" +
              std::to_string(attempts) + " token requests; last failure: " + lastFailure +
              "). Entra ID replicates new secrets slowly; raise verify_timeout_seconds if this repeats. The new "
              "secret is removed again.");
    if (const auto now = std::chrono::steady_clock::now(); now >= nextProgress) {
      ctx.info("azure-app-secret: waiting for the new secret " + newKeyId_ + " to work: " + std::to_string(attempts) +
               " token requests, " + std::to_string(streak) + " of " + std::to_string(config_.verifySuccesses) +
               " successes in a row, " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(deadline - now).count()) +
               " s left (last failure: " + lastFailure + ")");
      nextProgress = now + settings_.progressInterval;
    }
    settings_.sleeper(settings_.proveInterval);
  }
  newSecretProven_ = true;
  ctx.info("azure-app-secret: new secret " + newKeyId_ + " proven: " + std::to_string(config_.verifySuccesses) +
           " consecutive successful token requests (" + std::to_string(attempts) + " in total)");
}

void SecretLifecycle::retire(Context& ctx) {
  if (!graph_) throw keeper_rotate::Error(KR_ERR_INTERNAL, "azure.sequence", "retire called before validate");
  retiring_ = true;
  guarded(ctx, "removePassword", [&] {
    std::vector<std::string> candidates = keyIdsBefore_;
    std::vector<std::string> strays;
    try {
      if (auto fresh = graph_->getById(target_.id))
        for (const auto& p : fresh->passwords) {
          if (containsId(candidates, p.keyId) || sameId(p.keyId, newKeyId_)) continue;
          if (p.displayName == displayName_)
            strays.push_back(p.keyId);  // ours, from a lost addPassword answer: never useful
          else
            candidates.push_back(p.keyId);  // added by someone else since validate; policy decides
        }
    } catch (const std::exception& e) {
      ctx.warn(std::string("azure-app-secret: could not re-read the application before retiring (") + e.what() +
               "); using the secrets seen at validation");
    }
    for (const auto& stray : strays) removeKey(ctx, stray, false);

    std::vector<std::string> remaining;
    std::string firstError;
    for (const auto& keyId : candidates) {
      if (sameId(keyId, newKeyId_)) continue;
      const bool keep = config_.oldSecrets == "keep-all" ||
                        (config_.oldSecrets == "keep-previous" && sameId(keyId, config_.previousKeyId));
      if (keep) {
        ctx.reportKey(KR_KEY_KEPT, keyId);
        continue;
      }
      // A signal (or the spent retire budget) stops the retire between removals: what is left is reported, the
      // run ends with exit 5 (docs/contract.md, "Stopped runs and time budgets").
      if (ctx.stopRequested()) {
        ctx.reportKey(KR_KEY_REMAINING, keyId);
        remaining.push_back(keyId);
        if (firstError.empty()) firstError = "stopped (" + ctx.stopReason() + ") before it was removed";
        continue;
      }
      try {
        removeKey(ctx, keyId, false);
        ctx.reportKey(KR_KEY_REMOVED, keyId);
      } catch (const std::exception& e) {
        ctx.reportKey(KR_KEY_REMAINING, keyId);
        remaining.push_back(keyId);
        if (firstError.empty()) firstError = e.what();
        ctx.warn("azure-app-secret: could not remove old secret " + keyId + ": " + e.what());
      }
    }
    if (!remaining.empty())
      throw keeper_rotate::failure("retire.partial",
                                   "The new secret " + newKeyId_ + " is stored and valid, but " +
                                       std::to_string(remaining.size()) + " old secret(s) could not be removed: " +
                                       joinIds(remaining) + " (first error: " + firstError +
                                       "). Remove them in Entra ID or run the rotation again.");
  });
}

void SecretLifecycle::remove(Context& ctx) {
  currentCtx_ = &ctx;
  if (!graph_) throw keeper_rotate::Error(KR_ERR_INTERNAL, "azure.sequence", "remove called before validate");
  const std::string id(ctx.setting("remove_key_id").value_or(""));
  if (id.empty() || !containsId(journaled_, id)) {
    ctx.info("azure-app-secret: " + (id.empty() ? std::string("no key id to remove")
                                                : id + " is not a secret of application " + target_.id + " (any more)"));
    return;
  }
  guarded(ctx, "removePassword", [&] {
    if (!removeKey(ctx, id, true))
      throw keeper_rotate::failure("remove.failed", "Could not remove secret " + id + " left by a killed run from "
                                                    "application " + target_.id);
  });
}

void SecretLifecycle::rollback(Context& ctx) {
  if (!graph_ || newKeyId_.empty()) {
    ctx.info("azure-app-secret: rollback: no new secret was created");
    return;
  }
  guarded(ctx, "removePassword", [&] {
    bool gone = false;
    std::string why;
    try {
      gone = removeKey(ctx, newKeyId_, true);
    } catch (const keeper_rotate::Error&) {
      throw;
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!gone)
      throw keeper_rotate::failure("rollback.failed", "Could not remove the new secret " + newKeyId_ +
                                                          " from application " + target_.id + " again" +
                                                          (why.empty() ? "" : " (" + why + ")") +
                                                          "; it remains in Entra ID: remove it there.");
    ctx.info("azure-app-secret: removed the new secret " + newKeyId_ + " again");
    try {
      for (const auto& stray : findStrays(ctx, false)) removeKey(ctx, stray, false);
    } catch (const std::exception& e) {
      ctx.warn(std::string("azure-app-secret: could not check for stray secrets: ") + e.what());
    }
  });
}

}  // namespace kr_azure
