#include "input/gateway_input.hpp"

#include "input/json_values.hpp"
#include "util/encoding.hpp"

#include <keeper_rotate/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace keeper_rotate::host {
namespace {

// Wipes a buffer on every exit path (the decoded JSON holds the passwords and the records' secrets).
struct WipeOnExit {
  std::string& buffer;
  ~WipeOnExit() { util::wipe(buffer); }
};

std::string readBounded(int fd, std::size_t cap, const std::string& what) {
  std::string data;
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      util::wipe(data);
      throw InputError("cannot read " + what + ": " + std::strerror(errno));
    }
    data.append(chunk, static_cast<std::size_t>(n));
    explicit_bzero(chunk, sizeof chunk);
    if (data.size() > cap) {
      util::wipe(data);
      throw InputError(what + " is larger than " + std::to_string(cap) +
                       " bytes; a Gateway payload is a few KiB, refusing to parse it");
    }
  }
  explicit_bzero(chunk, sizeof chunk);
  return data;
}

using keeper_rotate::text::trim;

/// JSON text as given, or the JSON inside base64. `what` names the source for messages.
std::string jsonText(std::string_view raw, const std::string& what) {
  const std::string_view text = trim(raw);
  if (text.empty()) throw InputError(what + " is empty (expected base64 of the Gateway's JSON object)");
  if (text.front() == '{' || text.front() == '[') return std::string(text);
  std::size_t bad = 0;
  auto decoded = keeper_rotate::text::decodeBase64(text, /*skipWhitespace=*/true, &bad);
  if (!decoded)
    throw InputError(what + " is neither JSON nor valid base64 (invalid base64 at offset " + std::to_string(bad) +
                     ")");
  if (trim(*decoded).empty()) {
    util::wipe(*decoded);
    throw InputError(what + " decodes to nothing (expected a JSON object)");
  }
  return std::move(*decoded);
}

namespace js = keeper_rotate::json;

js::Value parseJson(const std::string& text, const std::string& what) {
  try {
    return js::parse(text);
  } catch (const js::ParseError& e) {
    // The message gives a byte offset and what was expected, never the input itself.
    throw InputError(what + " is not valid JSON: " + e.what());
  }
}

/// A top-level string key. Absent or null -> `required` decides; any other type is an error.
std::string stringKey(const js::Object& obj, const char* key, bool required) {
  const js::Value* v = obj.find(key);
  if (v == nullptr || v->isNull()) {
    if (required) throw InputError("input has no '" + std::string(key) + "' (required)");
    return {};
  }
  if (!v->isString())
    throw InputError("input key '" + std::string(key) + "' must be a string, got " + v->typeName());
  std::string s = v->string();
  if (required && s.empty()) throw InputError("input key '" + std::string(key) + "' is empty (required)");
  return s;
}

Record decodeRecord(const js::Value& item, std::size_t index) {
  const std::string where = "records[" + std::to_string(index) + "]";
  if (!item.isObject()) throw InputError(where + " must be an object, got " + item.typeName());
  const js::Object& obj = item.object();
  const std::string* uid = obj.findString("uid");
  if (uid == nullptr || uid->empty()) throw InputError(where + " has no string 'uid'");
  std::string title;
  if (const js::Value* t = obj.find("title"); t != nullptr && !t->isNull()) {
    if (!t->isString()) throw InputError(where + " 'title' must be a string");
    title = t->string();
  }
  Record record(*uid, title);
  for (const auto& [key, value] : obj) {
    if (key == "uid" || key == "title") continue;
    if (auto text = fieldText(value)) record.add(key, std::move(*text));
  }
  return record;
}

void decodeRecords(const js::Object& obj, RecordSet& out) {
  const js::Value* v = obj.find("records");
  if (v == nullptr || v->isNull()) throw InputError("input has no 'records' (required)");
  js::Value nestedArray;
  const js::Value* array = v;  // tolerated: an already-decoded array
  if (v->isString()) {
    std::string nested = jsonText(v->string(), "input key 'records'");
    WipeOnExit wipeNested{nested};
    nestedArray = parseJson(nested, "input key 'records'");
    array = &nestedArray;
  }
  if (!array->isArray())
    throw InputError("input key 'records' must be (base64 of) a JSON array, got " + std::string(array->typeName()));
  const js::Array& items = array->array();
  for (std::size_t i = 0; i < items.size(); ++i) out.add(decodeRecord(items[i], i));
}

}  // namespace

std::string readStdinBounded(std::size_t cap) {
  if (::isatty(STDIN_FILENO))
    throw InputError(
        "stdin is a terminal: the Gateway pipes one line of base64 JSON on stdin; use --input FILE for manual runs");
  return readBounded(STDIN_FILENO, cap, "stdin");
}

std::string readFileBounded(const std::string& path, std::size_t cap) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open --input file '" + path + "': " + std::strerror(errno));
  try {
    std::string data = readBounded(fd, cap, "--input file '" + path + "'");
    ::close(fd);
    return data;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

void decodeGatewayInput(std::string& raw, GatewayInput& out) {
  WipeOnExit wipeRaw{raw};
  std::string text = jsonText(raw, "input");
  WipeOnExit wipeText{text};
  const js::Value root = parseJson(text, "input");
  if (!root.isObject()) throw InputError("input must be a JSON object, got " + std::string(root.typeName()));
  const js::Object& obj = root.object();

  out.userRecordUid = stringKey(obj, "userRecordUid", true);
  out.providerRecordUid = stringKey(obj, "providerRecordUid", false);
  out.resourceRecordUid = stringKey(obj, "resourceRecordUid", false);
  out.user = stringKey(obj, "user", false);
  {
    std::string pw = stringKey(obj, "newPassword", false);
    out.newPassword = Secret(pw);
    util::wipe(pw);
    pw = stringKey(obj, "oldPassword", false);
    out.oldPassword = Secret(pw);
    util::wipe(pw);
  }
  decodeRecords(obj, out.records);
  // Not an input error when absent: the record may still be read through KSM (input/pam_user.hpp).
  out.pamUser = out.records.byUid(out.userRecordUid);
}

}  // namespace keeper_rotate::host
