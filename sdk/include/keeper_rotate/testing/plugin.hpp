// keeper_rotate::testing — a plugin under test: a built .so loaded the way the host loads it, or a descriptor
// linked into the test, with its metadata copied into this SDK's layout.
//
// Loading follows the ABI's sequence (abi.h, "Loading sequence"): dlopen(RTLD_NOW | RTLD_LOCAL), the data symbol
// keeper_rotate_abi_tag is read and checked (magic, major, minor) before any plugin code runs, and only then the
// entry function keeper_rotate_plugin_v1 is called. Libraries stay loaded until the process exits, as under the host:
// the strings and tables of a descriptor point into the library, and test code may hold on to them.
#pragma once

#include <keeper_rotate/abi.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace keeper_rotate::testing {

/// A plugin the host would refuse to load; the text says why, as precisely as the host's message.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline const char* kindPrefix(kr_kind kind) noexcept {
  switch (kind) {
    case KR_KIND_PROVIDER: return "provider";
    case KR_KIND_CREDENTIAL_SOURCE: return "source";
    case KR_KIND_RECORD_WRITER: return "writer";
  }
  return "unknown";
}

/// A loaded or wrapped plugin. Cheap to copy: the descriptor is static data of the plugin.
class Plugin {
 public:
  /// The descriptor as the plugin returned it (never null in a Plugin made by load() or wrap()).
  const kr_plugin_descriptor& descriptor() const noexcept { return *descriptor_; }
  kr_kind kind() const noexcept { return descriptor_->kind; }
  std::string name() const { return descriptor_->name ? descriptor_->name : ""; }
  /// "provider/example": how the host names a plugin in messages.
  std::string origin() const { return std::string(kindPrefix(kind())) + "/" + name(); }
  /// The file it was loaded from; empty for a wrapped descriptor.
  const std::string& path() const noexcept { return path_; }
  /// The ABI tag read from the file; nullopt for a wrapped descriptor (it has no tag of its own).
  const std::optional<kr_abi_tag>& tag() const noexcept { return tag_; }

  /// Field metadata, copied with the plugin's stride (fields[0].struct_size) into this SDK's kr_field_spec.
  const std::vector<kr_field_spec>& fields() const noexcept { return fields_; }
  /// Part names of kr_provider_ops::required_credentials (providers only).
  const std::vector<std::string>& requiredCredentials() const noexcept { return required_; }
  /// The provider's admin credential declaration in this SDK's layout; nullptr when it declares none.
  const kr_credential_spec* credentialSpec() const noexcept {
    if (!hasCredential_) return nullptr;
    credential_.parts = parts_.empty() ? nullptr : parts_.data();
    credential_.part_count = parts_.size();
    return &credential_;
  }
  const std::vector<kr_credential_part>& credentialParts() const noexcept { return parts_; }

  const kr_provider_ops* provider() const noexcept { return descriptor_->provider; }
  const kr_credential_source_ops* credentialSource() const noexcept { return descriptor_->credential_source; }
  const kr_record_writer_ops* recordWriter() const noexcept { return descriptor_->record_writer; }

 private:
  friend Plugin wrap(const kr_plugin_descriptor* descriptor);
  friend Plugin load(const std::string& path);

  const kr_plugin_descriptor* descriptor_ = nullptr;
  std::string path_;
  std::optional<kr_abi_tag> tag_;
  std::vector<kr_field_spec> fields_;
  std::vector<std::string> required_;
  std::vector<kr_credential_part> parts_;
  bool hasCredential_ = false;
  mutable kr_credential_spec credential_{};
};

namespace detail {

// The first members of each struct as ABI 1.0 defined them: anything shorter is not a keeper-rotate layout.
constexpr std::size_t kFieldSpecV1_0 = sizeof(kr_field_spec);
constexpr std::size_t kProviderOpsV1_2 = offsetof(kr_provider_ops, credential) + sizeof(const kr_credential_spec*);

inline bool operationsPresent(const kr_plugin_descriptor& d) {
  switch (d.kind) {
    case KR_KIND_PROVIDER:
      return d.provider && d.provider->validate && d.provider->create && d.provider->prove && d.provider->retire &&
             d.provider->rollback && !d.credential_source && !d.record_writer;
    case KR_KIND_CREDENTIAL_SOURCE:
      return d.credential_source && d.credential_source->resolve && !d.provider && !d.record_writer;
    case KR_KIND_RECORD_WRITER:
      return d.record_writer && d.record_writer->validate && d.record_writer->store && d.record_writer->verify &&
             !d.provider && !d.credential_source;
  }
  return false;
}

}  // namespace detail

/// Wrap a descriptor linked into the test (e.g. `wrap(keeper_rotate_plugin_v1())` when the plugin's source is
/// compiled into the test executable). Throws LoadError for a descriptor the host would refuse.
inline Plugin wrap(const kr_plugin_descriptor* d) {
  if (d == nullptr) throw LoadError("the plugin returned no descriptor");
  const std::string who = std::string("plugin '") + (d->name ? d->name : "(null)") + "'";
  if (d->abi_major != KR_ABI_MAJOR)
    throw LoadError(who + ": its descriptor is of ABI " + std::to_string(d->abi_major) + "." +
                    std::to_string(d->abi_minor) + ", this SDK speaks " + std::to_string(KR_ABI_MAJOR) + "." +
                    std::to_string(KR_ABI_MINOR) + " (majors must match)");
  if (d->name == nullptr || *d->name == '\0') throw LoadError("the plugin's descriptor has no name");
  if (!d->create || !d->destroy || !detail::operationsPresent(*d))
    throw LoadError(who + ": its descriptor lacks the operations of a " + kindPrefix(d->kind));
  if (d->field_count > 0 && d->fields == nullptr) throw LoadError(who + ": its field table is missing");
  Plugin p;
  p.descriptor_ = d;
  if (d->field_count > 0) {
    const std::size_t stride = d->fields[0].struct_size;
    if (stride < detail::kFieldSpecV1_0)
      throw LoadError(who + ": its field metadata entries are " + std::to_string(stride) +
                      " bytes, smaller than ABI 1.0's");
    const auto* base = reinterpret_cast<const unsigned char*>(d->fields);
    for (std::size_t i = 0; i < d->field_count; ++i) {
      kr_field_spec f{};
      std::memcpy(&f, base + i * stride, std::min(stride, sizeof f));
      if (f.struct_size != stride)
        throw LoadError(who + ": field #" + std::to_string(i) + " of its metadata has struct_size " +
                        std::to_string(f.struct_size) + ", the table's stride is " + std::to_string(stride));
      f.struct_size = sizeof f;
      p.fields_.push_back(f);
    }
  }
  if (d->kind == KR_KIND_PROVIDER) {
    for (const char* const* c = d->provider->required_credentials; c && *c; ++c) p.required_.emplace_back(*c);
    if (d->provider->struct_size >= detail::kProviderOpsV1_2 && d->provider->credential != nullptr) {
      const kr_credential_spec& spec = *d->provider->credential;
      if (spec.part_count > 0 && spec.parts == nullptr)
        throw LoadError(who + ": its admin credential declaration has parts but no part table");
      std::memcpy(&p.credential_, &spec, std::min<std::size_t>(spec.struct_size, sizeof p.credential_));
      p.credential_.struct_size = sizeof p.credential_;
      const std::size_t stride = spec.part_count ? spec.parts[0].struct_size : 0;
      const auto* base = reinterpret_cast<const unsigned char*>(spec.parts);
      for (std::size_t i = 0; i < spec.part_count; ++i) {
        kr_credential_part part{};
        std::memcpy(&part, base + i * stride, std::min(stride, sizeof part));
        part.struct_size = sizeof part;
        p.parts_.push_back(part);
      }
      p.hasCredential_ = true;
    }
  }
  return p;
}

/// Load a built plugin file as the host does and keep it loaded until the process exits. Throws LoadError with the
/// reason (dlopen's message, a missing symbol, a tag of another ABI) when the host would refuse it.
inline Plugin load(const std::string& path) {
  ::dlerror();  // clear stale state so the message below is this dlopen's
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw LoadError("plugin " + path + ": the dynamic loader refused it: " + (why ? why : "(no reason given)"));
  }
  // Never dlclose: descriptors, field tables and their strings live in the library (abi.h, "Ownership").
  const auto* raw = static_cast<const unsigned char*>(::dlsym(handle, KR_ABI_TAG_SYMBOL));
  if (raw == nullptr)
    throw LoadError("plugin " + path + ": it exports no '" KR_ABI_TAG_SYMBOL "' symbol, so it is not a "
                    "keeper-rotate plugin");
  // Copy only as far as the plugin's minor defines the tag: a 1.0/1.1 tag ends before min_host_minor.
  kr_abi_tag tag{};
  std::memcpy(&tag, raw, offsetof(kr_abi_tag, min_host_minor));
  if (tag.magic == KR_ABI_MAGIC && tag.abi_major == KR_ABI_MAJOR && tag.abi_minor >= 2)
    std::memcpy(&tag, raw, sizeof tag);
  if (tag.magic != KR_ABI_MAGIC) throw LoadError("plugin " + path + ": its ABI tag has the wrong magic");
  const std::string found = std::to_string(tag.abi_major) + "." + std::to_string(tag.abi_minor);
  const std::string ours = std::to_string(KR_ABI_MAJOR) + "." + std::to_string(KR_ABI_MINOR);
  if (tag.abi_major != KR_ABI_MAJOR)
    throw LoadError("plugin " + path + ": it was built for plugin ABI " + found + ", this SDK speaks ABI " + ours +
                    " (majors must match)");
  if (tag.abi_minor > KR_ABI_MINOR && tag.min_host_minor > KR_ABI_MINOR)
    throw LoadError("plugin " + path + ": it was built for plugin ABI " + found + " and needs a host of ABI 1." +
                    std::to_string(tag.min_host_minor) + " or newer; this SDK speaks ABI " + ours);
  void* entry = ::dlsym(handle, KR_ENTRY_SYMBOL);
  if (entry == nullptr) throw LoadError("plugin " + path + ": it exports no entry function '" KR_ENTRY_SYMBOL "'");
  kr_plugin_entry_fn fn = nullptr;
  static_assert(sizeof fn == sizeof entry, "function and data pointers differ in size");
  std::memcpy(&fn, &entry, sizeof fn);  // dlsym returns data pointers; POSIX guarantees this conversion works
  const kr_plugin_descriptor* d = fn();
  if (d != nullptr && (d->struct_size != tag.descriptor_size || d->abi_major != tag.abi_major ||
                       d->abi_minor != tag.abi_minor))
    throw LoadError("plugin " + path + ": its descriptor (size " + std::to_string(d->struct_size) + ", ABI " +
                    std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) + ") contradicts its ABI tag");
  Plugin p = wrap(d);
  p.path_ = path;
  p.tag_ = tag;
  return p;
}

/// "provider-example.so" for a plugin of kind provider named example: the file name the host looks for.
inline std::string expectedFileName(const Plugin& p) { return std::string(kindPrefix(p.kind())) + "-" + p.name() + ".so"; }

}  // namespace keeper_rotate::testing
