#include "pipeline/instance.hpp"

namespace keeper_rotate::host {
namespace {

OpResult finish(kr_status status, kr_context& ctx, const LoadedPlugin& plugin, const char* stage) {
  OpResult r;
  r.status = status;
  if (status == KR_OK) return r;
  if (ctx.errorSet) {
    r.code = ctx.errorCode.empty() ? "plugin.error" : ctx.errorCode;
    r.message = ctx.errorMessage;
  } else {
    r.code = "plugin.error";
  }
  if (r.message.empty())
    r.message = plugin.origin() + " returned " + statusName(status) + " at " + stage + " without describing why";
  return r;
}

}  // namespace

const char* statusName(kr_status status) {
  switch (status) {
    case KR_OK: return "OK";
    case KR_ERR_CONFIG: return "CONFIG";
    case KR_ERR_UNAVAILABLE: return "UNAVAILABLE";
    case KR_ERR_FAILED: return "FAILED";
    case KR_ERR_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}

PluginInstance::~PluginInstance() {
  if (created_ && instance_ != nullptr) {
    try {
      plugin_.descriptor->destroy(instance_);
    } catch (...) {  // destroy must not fail; if a plugin breaks that promise, do not let it end the run
    }
  }
}

OpResult PluginInstance::ensureCreated(const char* stage) {
  if (created_) return {};
  kr_context ctx;
  ctx.run = &run_;
  ctx.plugin = &plugin_;
  ctx.stage = stage;
  kr_status status = KR_ERR_INTERNAL;
  try {
    status = plugin_.descriptor->create(hostApi(), &ctx, &instance_);
  } catch (...) {
    ctx.errorSet = true;
    ctx.errorCode = "plugin.exception";
    ctx.errorMessage = "an exception escaped " + plugin_.origin() + " create()";
  }
  if (status == KR_OK && instance_ == nullptr) {
    status = KR_ERR_INTERNAL;
    ctx.errorSet = true;
    ctx.errorCode = "plugin.no_instance";
    ctx.errorMessage = plugin_.origin() + " create() returned OK but no instance";
  }
  created_ = status == KR_OK;
  return finish(status, ctx, plugin_, stage);
}

OpResult PluginInstance::call(kr_operation_fn fn, const char* stage) {
  if (OpResult r = ensureCreated(stage); !r.ok()) return r;
  kr_context ctx;
  ctx.run = &run_;
  ctx.plugin = &plugin_;
  ctx.stage = stage;
  kr_status status = KR_ERR_INTERNAL;
  try {
    status = fn(instance_, &ctx);
  } catch (...) {
    // The SDK converts exceptions at the boundary; a plugin written against the raw ABI might not.
    ctx.errorSet = true;
    ctx.errorCode = "plugin.exception";
    ctx.errorMessage = "an exception escaped " + plugin_.origin() + " at " + stage;
  }
  if (static_cast<unsigned>(status) > static_cast<unsigned>(KR_ERR_INTERNAL)) status = KR_ERR_INTERNAL;
  return finish(status, ctx, plugin_, stage);
}

}  // namespace keeper_rotate::host
