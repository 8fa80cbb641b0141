#include "host_api/context.hpp"

#include "run_control/stop_control.hpp"

#include <chrono>
#include <cstddef>
#include <cstring>
#include <limits>

namespace keeper_rotate::host {
namespace {

kr_view view(const std::string& s) { return kr_view{s.data(), s.size()}; }
kr_view view(const Secret& s) {
  const auto v = s.reveal();
  return kr_view{v.data(), v.size()};
}

std::string originOf(const kr_context* ctx) { return ctx->plugin ? ctx->plugin->origin() : std::string("host"); }

// A plugin bug must not take the host down from inside a callback: swallow, log if possible.
template <class Fn>
auto guard(kr_context* ctx, Fn&& fn, decltype(fn()) fallback) noexcept -> decltype(fn()) {
  try {
    if (ctx == nullptr || ctx->run == nullptr) return fallback;
    return fn();
  } catch (...) {
    try {
      ctx->run->logger.log(KR_LOG_ERROR, "host", "internal error in a host callback called by " + originOf(ctx));
    } catch (...) {
    }
    return fallback;
  }
}

void cbLog(kr_context* ctx, kr_log_level level, const char* message) {
  guard(ctx, [&] {
    ctx->run->logger.log(level, originOf(ctx), message ? message : "");
    return 0;
  }, 0);
}

void cbSetError(kr_context* ctx, const char* code, const char* message) {
  guard(ctx, [&] {
    ctx->errorSet = true;
    ctx->errorCode = code ? code : "";
    ctx->errorMessage = message ? message : "";
    return 0;
  }, 0);
}

kr_status cbInputGet(kr_context* ctx, const char* key, kr_view* out) {
  return guard(ctx, [&] {
    if (!key || !out) return KR_ERR_UNAVAILABLE;
    const GatewayInput& in = ctx->run->input;
    const std::string k(key);
    // The Gateway's passwords are deliberately not offered: no plugin needs them, so none can leak them.
    const std::string* v = k == "providerRecordUid"   ? &in.providerRecordUid
                           : k == "resourceRecordUid" ? &in.resourceRecordUid
                           : k == "userRecordUid"     ? &in.userRecordUid
                           : k == "user"              ? &in.user
                                                      : nullptr;
    if (!v) return KR_ERR_UNAVAILABLE;
    *out = view(*v);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

kr_status cbFieldGet(kr_context* ctx, const char* label, kr_view* out) {
  return guard(ctx, [&] {
    if (!label || !out) return KR_ERR_UNAVAILABLE;
    const std::string* v = ctx->run->field(label);
    if (!v) return KR_ERR_UNAVAILABLE;
    *out = view(*v);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

size_t cbRecordCount(kr_context* ctx) {
  return guard(ctx, [&] { return ctx->run->input.records.size(); }, static_cast<size_t>(0));
}

kr_status cbRecordGet(kr_context* ctx, size_t index, const char* key, kr_view* out) {
  return guard(ctx, [&] {
    const RecordSet& records = ctx->run->input.records;
    if (!key || !out || index >= records.size()) return KR_ERR_UNAVAILABLE;
    const std::string* v = records.at(index).get(key);
    if (!v) return KR_ERR_UNAVAILABLE;
    *out = view(*v);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

kr_status cbCredentialGet(kr_context* ctx, const char* name, kr_view* out) {
  return guard(ctx, [&] {
    if (!name || !out) return KR_ERR_UNAVAILABLE;
    const auto* e = ctx->run->credentials.get(name);
    if (!e) return KR_ERR_UNAVAILABLE;
    *out = view(e->value);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

void cbCredentialPut(kr_context* ctx, const char* name, const char* value, size_t size, int secret) {
  guard(ctx, [&] {
    if (!name || (!value && size > 0)) return 0;
    const std::string_view v(value ? value : "", size);
    if (secret) ctx->run->redactor.add(v);  // first, so no later line can carry it
    if (!ctx->run->credentialTarget) {
      ctx->run->logger.log(KR_LOG_WARN, "host",
                           originOf(ctx) + " put credential part '" + name + "' outside credential resolution; ignored");
      return 0;
    }
    ctx->run->credentialTarget->put(name, v, secret != 0);
    return 0;
  }, 0);
}

void cbResultPut(kr_context* ctx, const char* label, const char* value, size_t size, int secret) {
  guard(ctx, [&] {
    if (!label || (!value && size > 0)) return 0;
    const std::string_view v(value ? value : "", size);
    const bool isSecret = secret != 0 || ctx->run->secretLabels.count(label) > 0;
    if (isSecret) ctx->run->redactor.add(v);
    ctx->run->results.put(label, v, isSecret);
    return 0;
  }, 0);
}

kr_status cbResultGet(kr_context* ctx, const char* label, kr_view* out) {
  return guard(ctx, [&] {
    if (!label || !out) return KR_ERR_UNAVAILABLE;
    const auto* e = ctx->run->results.get(label);
    if (!e) return KR_ERR_UNAVAILABLE;
    *out = view(e->value);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

size_t cbResultCount(kr_context* ctx) {
  return guard(ctx, [&] { return ctx->run->results.size(); }, static_cast<size_t>(0));
}

kr_status cbResultAt(kr_context* ctx, size_t index, kr_view* label, kr_view* value, int* secret) {
  return guard(ctx, [&] {
    const auto* entry = ctx->run->results.at(index);
    if (!entry || !label || !value || !secret) return KR_ERR_UNAVAILABLE;
    *label = view(entry->first);
    *value = view(entry->second.value);
    *secret = entry->second.secret ? 1 : 0;
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

void cbReportKey(kr_context* ctx, kr_key_event event, const char* keyId) {
  guard(ctx, [&] {
    if (!keyId) return 0;
    KeyEvents& k = ctx->run->keys;
    switch (event) {
      case KR_KEY_CREATED:
        k.created.emplace_back(keyId);
        // At once, before the plugin goes on: a run killed from here on leaves a journal entry to clean up from.
        if (ctx->run->onKeyCreated) ctx->run->onKeyCreated(keyId);
        break;
      case KR_KEY_REMOVED: k.removed.emplace_back(keyId); break;
      case KR_KEY_REMAINING: k.remaining.emplace_back(keyId); break;
      case KR_KEY_KEPT: k.kept.emplace_back(keyId); break;
      default:
        ctx->run->logger.log(KR_LOG_WARN, "host", originOf(ctx) + " reported an unknown key event");
    }
    return 0;
  }, 0);
}

kr_status cbSettingGet(kr_context* ctx, const char* key, kr_view* out) {
  return guard(ctx, [&] {
    if (!key || !out) return KR_ERR_UNAVAILABLE;
    const auto it = ctx->run->settings.find(key);
    if (it == ctx->run->settings.end()) return KR_ERR_UNAVAILABLE;
    *out = view(it->second);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

const kr_credential_spec* cbCredentialSpec(kr_context* ctx) {
  return guard(ctx, [&] { return ctx->run->credentialSpec; }, static_cast<const kr_credential_spec*>(nullptr));
}

kr_status cbResultFieldType(kr_context* ctx, const char* label, kr_view* out) {
  return guard(ctx, [&] {
    if (!label || !out) return KR_ERR_UNAVAILABLE;
    const auto it = ctx->run->outputTypes.find(label);
    if (it == ctx->run->outputTypes.end()) return KR_ERR_UNAVAILABLE;
    *out = view(it->second);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

void cbRegisterSecret(kr_context* ctx, const char* value, size_t size) {
  guard(ctx, [&] {
    if (value && size > 0) ctx->run->redactor.add(std::string_view(value, size));
    return 0;
  }, 0);
}

int cbStopRequested(kr_context* ctx) {
  return guard(ctx, [&] { return StopControl::instance().stopRequested() ? 1 : 0; }, 0);
}

kr_status cbWait(kr_context* ctx, uint64_t milliseconds) {
  return guard(ctx, [&] { return StopControl::instance().wait(milliseconds) ? KR_OK : KR_ERR_FAILED; },
               KR_ERR_FAILED);
}

uint64_t cbTimeLeftMs(kr_context* ctx) {
  return guard(ctx, [&] { return StopControl::instance().timeLeftMs(); },
               std::numeric_limits<uint64_t>::max());
}

kr_status cbStopReason(kr_context* ctx, kr_view* out) {
  return guard(ctx, [&] {
    if (!out) return KR_ERR_UNAVAILABLE;
    ctx->stopReasonText = StopControl::instance().stopReason();
    if (ctx->stopReasonText.empty()) return KR_ERR_UNAVAILABLE;
    *out = view(ctx->stopReasonText);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

std::string text(const kr_view& v) { return v.data != nullptr ? std::string(v.data, v.size) : std::string(); }

// Sends a plugin's request over the run's shared clients. The request's secrets (body, header values) are copied
// only into the https::Request, which zeroes them; the answer stays in the context until the next request or the
// end of the operation.
kr_status cbHttpsSend(kr_context* ctx, const kr_https_request* request, kr_https_response* response) {
  return guard(ctx, [&] {
    if (request == nullptr || response == nullptr ||
        request->struct_size < offsetof(kr_https_request, plain_http_host_count) + sizeof(size_t) ||
        response->struct_size < offsetof(kr_https_response, failure_message) + sizeof(kr_view))
      return KR_ERR_CONFIG;
    if (ctx->run->https == nullptr) return KR_ERR_UNAVAILABLE;  // the plugin's client then uses its own connections
    ctx->httpsResponse.reset();
    ctx->httpsHeaders.clear();
    ctx->httpsFailure.clear();
    const std::uint32_t size = response->struct_size;
    std::memset(response, 0, sizeof(kr_https_response));
    response->struct_size = size;

    https::Options options;
    options.caFile = text(request->ca_file);
    options.useProxyEnvironment = (request->flags & KR_HTTPS_NO_PROXY) == 0;
    if (request->user_agent.size > 0) options.userAgent = text(request->user_agent);
    for (std::size_t i = 0; i < request->plain_http_host_count && request->plain_http_hosts != nullptr; ++i)
      options.plainHttpHosts.push_back(text(request->plain_http_hosts[i]));
    https::Request out(text(request->method), text(request->url));
    for (std::size_t i = 0; i < request->header_count && request->headers != nullptr; ++i)
      out.headers.emplace_back(text(request->headers[i].name), text(request->headers[i].value));
    if (request->body.size > 0 && request->body.data != nullptr) out.body.assign(request->body.data, request->body.size);
    out.connectTimeout = std::chrono::milliseconds(request->connect_timeout_ms);
    out.ioTimeout = std::chrono::milliseconds(request->io_timeout_ms);
    try {
      ctx->httpsResponse = std::make_unique<https::Response>(ctx->run->https->clientFor(options).send(out));
    } catch (const https::TransportError& e) {
      ctx->httpsFailure = e.what();
      response->failure = static_cast<std::uint32_t>(e.kind()) + KR_HTTPS_FAILURE_CONNECT;
      response->failure_message = view(ctx->httpsFailure);
      return KR_ERR_FAILED;
    }
    const https::Response& answer = *ctx->httpsResponse;
    ctx->httpsHeaders.reserve(answer.headers.size());
    for (const auto& [name, value] : answer.headers) ctx->httpsHeaders.push_back(kr_http_header{view(name), view(value)});
    response->status = answer.status;
    response->reason = view(answer.reason);
    response->headers = ctx->httpsHeaders.empty() ? nullptr : ctx->httpsHeaders.data();
    response->header_count = ctx->httpsHeaders.size();
    response->body = view(answer.body);
    return KR_OK;
  }, KR_ERR_INTERNAL);
}

const kr_host_api kApi = {sizeof(kr_host_api), KR_ABI_MAJOR,    KR_ABI_MINOR,  &cbLog,        &cbSetError,
                          &cbInputGet,         &cbFieldGet,     &cbRecordCount, &cbRecordGet,  &cbCredentialGet,
                          &cbCredentialPut,    &cbResultPut,    &cbResultGet,  &cbReportKey,  &cbSettingGet,
                          &cbRegisterSecret,   &cbResultCount,  &cbResultAt,   &cbCredentialSpec,
                          &cbResultFieldType,  &cbStopRequested, &cbWait,      &cbTimeLeftMs, &cbStopReason,
                          &cbHttpsSend};

}  // namespace

const kr_host_api* hostApi() { return &kApi; }

}  // namespace keeper_rotate::host
