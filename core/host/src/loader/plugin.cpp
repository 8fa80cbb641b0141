#include "loader/plugin.hpp"

#include "loader/integrity.hpp"
#include "loader/plugin_lock.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <sys/stat.h>

namespace keeper_rotate::host {
namespace {

// Sizes of the ABI 1.0 layouts: the end of their last 1.0 member. Later minors append members, so a plugin built
// against 1.0 has exactly these sizes and must keep loading into a newer host; sizeof() would refuse it.
#define KR_V1_0_SIZE(type, last) (offsetof(type, last) + sizeof(static_cast<type*>(nullptr)->last))
constexpr std::size_t kDescriptorV1_0 = KR_V1_0_SIZE(kr_plugin_descriptor, record_writer);
constexpr std::size_t kProviderOpsV1_0 = KR_V1_0_SIZE(kr_provider_ops, required_credentials);
constexpr std::size_t kSourceOpsV1_0 = KR_V1_0_SIZE(kr_credential_source_ops, resolve);
constexpr std::size_t kWriterOpsV1_0 = KR_V1_0_SIZE(kr_record_writer_ops, revert);
constexpr std::size_t kFieldSpecV1_0 = KR_V1_0_SIZE(kr_field_spec, description);
#undef KR_V1_0_SIZE
// ABI 1.2 members: present exactly when the other side's struct_size reaches past them.
constexpr std::size_t kProviderOpsV1_2 = offsetof(kr_provider_ops, credential) + sizeof(kr_provider_ops::credential);
constexpr std::size_t kTagV1_2 = offsetof(kr_abi_tag, reserved) + sizeof(kr_abi_tag::reserved);
constexpr std::size_t kCredentialSpecV1_2 = offsetof(kr_credential_spec, part_count) + sizeof(std::size_t);
constexpr std::size_t kCredentialPartV1_2 = offsetof(kr_credential_part, description) + sizeof(const char*);

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& why, const std::string& todo) {
  throw LoadError("cannot load plugin " + path.string() + ": " + why + (todo.empty() ? "" : ". " + todo));
}

/// The file's real path, once it passed the integrity rules (and the lock, if there is one).
std::filesystem::path checkFile(const std::filesystem::path& path, const PluginLock* lock) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    refuse(path, std::string("cannot access the file (") + std::strerror(errno) + ")",
           "Check the plugin name and the plugin directories (--plugin-dir, KEEPER_ROTATE_PLUGIN_PATH)");
  // Code that anyone but root or the running user can change must not run with the Gateway's credentials.
  const std::filesystem::path real = checkTrustedFile(path, "cannot load plugin " + path.string() + ": ");
  if (lock != nullptr) checkAgainstLock(*lock, path, real);
  return real;
}

/// The plugin's tag, copied only as far as its minor defines it: a 1.0/1.1 tag ends before min_host_minor, and
/// reading the host's sizeof would run past the plugin's symbol.
kr_abi_tag readTag(boost::dll::shared_library& lib, const std::filesystem::path& path) {
  if (!lib.has(KR_ABI_TAG_SYMBOL))
    refuse(path, std::string("it exports no '") + KR_ABI_TAG_SYMBOL + "' symbol, so it is not a keeper-rotate plugin",
           "Build it with the keeper-rotate SDK (KEEPER_ROTATE_REGISTER_* macro)");
  const auto* raw = &lib.get<const kr_abi_tag>(KR_ABI_TAG_SYMBOL);
  kr_abi_tag tag{};
  std::memcpy(&tag, raw, offsetof(kr_abi_tag, min_host_minor));
  if (tag.magic == KR_ABI_MAGIC && tag.abi_major == KR_ABI_MAJOR && tag.abi_minor >= 2)
    std::memcpy(&tag, raw, kTagV1_2);
  if (tag.magic != KR_ABI_MAGIC)
    refuse(path, "its ABI tag has magic " + hex32(tag.magic) + ", expected " + hex32(KR_ABI_MAGIC),
           "The file is not a keeper-rotate plugin or is corrupt");
  const std::string found = std::to_string(tag.abi_major) + "." + std::to_string(tag.abi_minor);
  const std::string expected = std::to_string(KR_ABI_MAJOR) + "." + std::to_string(KR_ABI_MINOR);
  if (tag.abi_major != KR_ABI_MAJOR)
    refuse(path, "it was built for plugin ABI " + found + ", this keeper-rotate speaks ABI " + expected +
                     " (majors must match)",
           "Rebuild the plugin against the SDK of this keeper-rotate version, or use a matching keeper-rotate");
  // A newer minor loads when the plugin says it copes with this host's minor (it checks struct_size before using
  // anything newer). Before 1.2 the tag had no such member, and no host older than 1.2 reads it.
  if (tag.abi_minor > KR_ABI_MINOR) {
    static_assert(KR_ABI_MINOR >= 2, "min_host_minor exists from ABI 1.2 on");
    const std::uint16_t needs = tag.min_host_minor;
    if (needs > KR_ABI_MINOR)
      refuse(path, "it was built for plugin ABI " + found + " and needs a host of ABI 1." + std::to_string(needs) +
                       " or newer; this keeper-rotate speaks ABI " + expected,
             "Upgrade keeper-rotate, or rebuild the plugin against this SDK");
  }
  if (tag.descriptor_size < kDescriptorV1_0)
    refuse(path, "its descriptor size " + std::to_string(tag.descriptor_size) + " is smaller than the " +
                     std::to_string(kDescriptorV1_0) + " bytes of ABI 1.0",
           "Rebuild the plugin against the SDK of this keeper-rotate version");
  return tag;
}

bool opsPresent(const kr_plugin_descriptor& d) {
  switch (d.kind) {
    case KR_KIND_PROVIDER:
      return d.provider && d.provider->struct_size >= kProviderOpsV1_0 && d.provider->validate &&
             d.provider->create && d.provider->prove && d.provider->retire && d.provider->rollback &&
             !d.credential_source && !d.record_writer;
    case KR_KIND_CREDENTIAL_SOURCE:
      return d.credential_source && d.credential_source->struct_size >= kSourceOpsV1_0 &&
             d.credential_source->resolve && !d.provider && !d.record_writer;
    case KR_KIND_RECORD_WRITER:
      return d.record_writer && d.record_writer->struct_size >= kWriterOpsV1_0 &&
             d.record_writer->validate && d.record_writer->store && d.record_writer->verify && !d.provider &&
             !d.credential_source;
  }
  return false;
}

void checkDescriptor(const kr_plugin_descriptor* d, const kr_abi_tag& tag, kr_kind kind, const std::string& name,
                     const std::filesystem::path& path) {
  const std::string rebuild = "Rebuild the plugin with the keeper-rotate SDK";
  if (d == nullptr) refuse(path, std::string(KR_ENTRY_SYMBOL) + "() returned no descriptor", rebuild);
  if (d->struct_size != tag.descriptor_size || d->abi_major != tag.abi_major || d->abi_minor != tag.abi_minor)
    refuse(path, "its descriptor (size " + std::to_string(d->struct_size) + ", ABI " + std::to_string(d->abi_major) +
                     "." + std::to_string(d->abi_minor) + ") contradicts its ABI tag",
           rebuild);
  if (d->kind != kind)
    refuse(path, std::string("the file name says ") + kindLabel(kind) + " but the plugin declares kind " +
                     std::to_string(static_cast<int>(d->kind)),
           "Rename the file to match the plugin's kind");
  if (d->name == nullptr || name != d->name)
    refuse(path,
           "the file name says '" + name + "' but the plugin calls itself '" + (d->name ? d->name : "(null)") + "'",
           "Name the file <kind>-<plugin name>.so");
  if (!d->create || !d->destroy || !opsPresent(*d))
    refuse(path, std::string("its descriptor lacks the operations of a ") + kindLabel(kind), rebuild);
  if (d->field_count > 0 && d->fields == nullptr) refuse(path, "its field table is missing", rebuild);
  if (d->field_count > 1000) refuse(path, "it declares " + std::to_string(d->field_count) + " fields", rebuild);
}

std::vector<kr_field_spec> copyFields(const kr_plugin_descriptor& d, const std::filesystem::path& path) {
  std::vector<kr_field_spec> out;
  if (d.field_count == 0) return out;
  const std::size_t stride = d.fields[0].struct_size;
  if (stride < kFieldSpecV1_0)
    refuse(path, "its field metadata entries are " + std::to_string(stride) + " bytes, smaller than ABI 1.0's",
           "Rebuild the plugin with the keeper-rotate SDK");
  const auto* base = reinterpret_cast<const unsigned char*>(d.fields);
  for (std::size_t i = 0; i < d.field_count; ++i) {
    kr_field_spec f{};
    std::memcpy(&f, base + i * stride, std::min(stride, sizeof f));
    if (f.struct_size != stride || f.label == nullptr || f.label[0] == '\0')
      refuse(path, "field #" + std::to_string(i) + " of its metadata is malformed",
             "Rebuild the plugin with the keeper-rotate SDK");
    f.struct_size = sizeof f;
    out.push_back(f);
  }
  return out;
}

/// The provider's credential declaration in this host's layout (parts copied with the plugin's stride), checked so
/// that sources can trust it: named parts, the declaration's required parts equal to required_credentials.
void copyCredential(LoadedPlugin& plugin) {
  const kr_plugin_descriptor& d = *plugin.descriptor;
  const std::string rebuild = "Rebuild the plugin with the keeper-rotate SDK";
  for (const char* const* c = d.provider->required_credentials; c && *c; ++c)
    plugin.requiredCredentials.emplace_back(*c);
  if (d.provider->struct_size < kProviderOpsV1_2 || d.provider->credential == nullptr) return;
  const kr_credential_spec& spec = *d.provider->credential;
  if (spec.struct_size < kCredentialSpecV1_2 || (spec.part_count > 0 && spec.parts == nullptr) ||
      spec.part_count > 64)
    refuse(plugin.path, "its admin credential declaration is malformed", rebuild);
  kr_credential_spec copy{};
  std::memcpy(&copy, &spec, std::min<std::size_t>(spec.struct_size, sizeof copy));
  copy.struct_size = sizeof copy;
  const std::size_t stride = spec.part_count ? spec.parts[0].struct_size : 0;
  if (spec.part_count && stride < kCredentialPartV1_2)
    refuse(plugin.path, "its admin credential parts are " + std::to_string(stride) + " bytes, smaller than ABI 1.2's",
           rebuild);
  std::vector<std::string> required;
  const auto* base = reinterpret_cast<const unsigned char*>(spec.parts);
  for (std::size_t i = 0; i < spec.part_count; ++i) {
    kr_credential_part part{};
    std::memcpy(&part, base + i * stride, std::min(stride, sizeof part));
    if (part.struct_size != stride || part.name == nullptr || part.name[0] == '\0')
      refuse(plugin.path, "admin credential part #" + std::to_string(i) + " is malformed", rebuild);
    part.struct_size = sizeof part;
    if ((part.flags & KR_CREDENTIAL_OPTIONAL) == 0) required.emplace_back(part.name);
    plugin.credentialParts.push_back(part);
  }
  if (required != plugin.requiredCredentials)
    refuse(plugin.path, "its admin credential declaration and its required_credentials list disagree", rebuild);
  copy.parts = plugin.credentialParts.empty() ? nullptr : plugin.credentialParts.data();
  copy.part_count = plugin.credentialParts.size();
  plugin.credential = copy;
}

}  // namespace

const char* kindPrefix(kr_kind kind) {
  switch (kind) {
    case KR_KIND_PROVIDER: return "provider";
    case KR_KIND_CREDENTIAL_SOURCE: return "source";
    case KR_KIND_RECORD_WRITER: return "writer";
  }
  return "unknown";
}

const char* kindLabel(kr_kind kind) {
  switch (kind) {
    case KR_KIND_PROVIDER: return "provider";
    case KR_KIND_CREDENTIAL_SOURCE: return "credential source";
    case KR_KIND_RECORD_WRITER: return "record writer";
  }
  return "plugin";
}

std::optional<kr_kind> kindFromPrefix(const std::string& prefix) {
  if (prefix == "provider") return KR_KIND_PROVIDER;
  if (prefix == "source") return KR_KIND_CREDENTIAL_SOURCE;
  if (prefix == "writer") return KR_KIND_RECORD_WRITER;
  return std::nullopt;
}

bool isValidPluginName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'))) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::unique_ptr<LoadedPlugin> loadPluginFile(const std::filesystem::path& path, kr_kind kind,
                                             const std::string& name, const PluginLock* lock) {
  const std::filesystem::path real = checkFile(path, lock);
  auto plugin = std::make_unique<LoadedPlugin>();
  plugin->path = path;
  plugin->kind = kind;
  plugin->name = name;
  plugin->library = std::make_unique<boost::dll::shared_library>();
  std::error_code ec;
  ::dlerror();  // clear stale state so the message below is this dlopen's
  plugin->library->load(real, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !plugin->library->is_loaded()) {
    const char* why = ::dlerror();
    refuse(path, std::string("the dynamic loader refused it: ") + (why ? why : ec.message()),
           "Check that it is a shared object built for this system and that its dependencies are installed");
  }
  const kr_abi_tag tag = readTag(*plugin->library, path);
  plugin->tag = tag;
  if (!plugin->library->has(KR_ENTRY_SYMBOL))
    refuse(path, std::string("it exports no entry function '") + KR_ENTRY_SYMBOL + "'",
           "Register the plugin with a KEEPER_ROTATE_REGISTER_* macro of the SDK");
  auto& entry = plugin->library->get<const kr_plugin_descriptor*()>(KR_ENTRY_SYMBOL);
  plugin->descriptor = entry();
  checkDescriptor(plugin->descriptor, tag, kind, name, path);
  plugin->fields = copyFields(*plugin->descriptor, path);
  if (kind == KR_KIND_PROVIDER) copyCredential(*plugin);
  return plugin;
}

}  // namespace keeper_rotate::host
