// Target ksm_get_secret: a KSM server's answer to get_secret as ksm::Client (core/ksm-client, client.hpp) reads
// it: decryption with the request's transmission key, the JSON of the answer (records, folders, key chain,
// appData, warnings, binding fields) and, for other statuses, the server's plain JSON error (key redirects,
// throttling). The answer decryption and parsing are private to ksm::Client (client.cpp, Client::Impl::post and
// getSecrets) and the transmission key is fresh per request, so the target drives the public Client against a
// loopback HTTPS server (support/loopback_server.hpp) that unwraps each request's transmission key with its own
// server key and encrypts the fuzzed answer with it.
//
// Input: the canned answer format of support/fuzz_input.hpp; operation `get_secret` (every record), `get_record`
// (uid RECORD-UID), `bind` (an unbound configuration: one-time client key, no app key) or `update`
// (update_secret: the body is decrypted and ignored). For status 200 the body is the plaintext JSON the server
// would encrypt; in it, a string "enc:<k>:<text>" is replaced by standard base64 of AES-256-GCM of <text> under key
// <k> before it is sent, so the fuzzer can reach the record key chain: <k> is `a` (app key), `f` (folder key),
// `r` (record key) or `c` (one-time client key); <text> `@f` / `@r` stands for the folder / record key itself.
// A 200 body that is not JSON is encrypted as it is. Other statuses send the body as it is (plain JSON errors).
// Documented failure: KsmError.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <kr_ksm/base64.hpp>
#include <kr_ksm/client.hpp>
#include <kr_ksm/crypto.hpp>
#include <kr_ksm/errors.hpp>
#include <memory>
#include <sstream>
#include <string>

#include "fuzz_input.hpp"
#include "loopback_server.hpp"

namespace ksm = keeper_rotate::ksm;
namespace crypto = keeper_rotate::ksm::crypto;
using keeper_rotate::Secret;

namespace {

std::string fixed(char byte) { return std::string(32, byte); }

struct Keys {
  crypto::EcKey server = crypto::EcKey::fromPrivateScalar(fixed('\x11'));
  crypto::EcKey device = crypto::EcKey::fromPrivateScalar(fixed('\x3c'));
  std::string app = fixed('\xa1'), folder = fixed('\xf1'), record = fixed('\xe1'), client = fixed('\xc1');
};
const Keys& keys() {
  static const Keys k;
  return k;
}

ksm::Config config(bool bound) {
  ksm::Config c;
  c.hostname = kr_fuzz::LoopbackServer::instance().hostAndPort();
  c.clientId = "ZnV6ei1jbGllbnQtaWQ=";
  c.privateKey = crypto::toSecret(std::string(keys().device.pkcs8().reveal()));
  if (bound) {
    c.appKey = Secret(keys().app);
  } else {
    c.clientKey = Secret(keys().client);
  }
  c.serverPublicKeyId = 10;
  c.serverPublicKey = keys().server.publicPoint();
  c.source = "fuzz";
  return c;
}

ksm::ClientOptions options() {
  ksm::ClientOptions o;
  o.https.caFile = kr_fuzz::LoopbackServer::instance().caFile();
  o.https.useProxyEnvironment = false;
  o.https.ioTimeout = std::chrono::seconds(5);
  o.maxKeyRedirects = 1;
  o.maxThrottleRetries = 1;
  o.throttleBaseDelay = std::chrono::milliseconds(0);
  o.maxThrottleWait = std::chrono::milliseconds(0);
  o.maxTransportRetries = 0;
  o.transportRetryDelay = std::chrono::milliseconds(0);
  return o;
}

// "enc:<k>:<text>" -> base64(AES-GCM(key k, text)).
bool encryptMarker(const std::string& text, std::string& out) {
  if (text.size() < 6 || text.compare(0, 4, "enc:") != 0 || text[5] != ':') return false;
  const Keys& k = keys();
  const std::string* key = text[4] == 'a'   ? &k.app
                           : text[4] == 'f' ? &k.folder
                           : text[4] == 'r' ? &k.record
                           : text[4] == 'c' ? &k.client
                                            : nullptr;
  if (key == nullptr) return false;
  std::string plain = text.substr(6);
  if (plain == "@f") plain = k.folder;
  if (plain == "@r") plain = k.record;
  out = ksm::base64::encode(crypto::aesGcmEncrypt(*key, plain));
  return true;
}

void expandMarkers(Poco::Dynamic::Var& value);

void expandObject(Poco::JSON::Object& object) {
  for (auto& [name, member] : object) expandMarkers(member);
}

void expandMarkers(Poco::Dynamic::Var& value) {
  if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    if (auto o = value.extract<Poco::JSON::Object::Ptr>()) expandObject(*o);
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    if (auto a = value.extract<Poco::JSON::Array::Ptr>())
      for (std::size_t i = 0; i < a->size(); ++i) {
        Poco::Dynamic::Var item = a->get(static_cast<unsigned>(i));
        expandMarkers(item);
        a->set(static_cast<unsigned>(i), item);
      }
  } else if (value.isString()) {
    std::string encrypted;
    if (encryptMarker(value.extract<std::string>(), encrypted)) value = encrypted;
  }
}

// The fuzzed plaintext with its markers expanded; the text as it is when it is not JSON.
std::string expandedBody(const std::string& body) {
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    Poco::Dynamic::Var root = parser.parse(body);
    expandMarkers(root);
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(root, out);
    return out.str();
  } catch (const std::exception&) {
    return body;
  }
}

void answer(const kr_fuzz::CannedAnswer& canned, Poco::Net::HTTPServerRequest& request,
            Poco::Net::HTTPServerResponse& response) {
  std::string body = canned.body;
  if (canned.status == 200) {
    try {
      const Secret tk = crypto::eciesDecrypt(keys().server, ksm::base64::decode(request.get("TransmissionKey", "")));
      body = crypto::aesGcmEncrypt(tk.reveal(), expandedBody(canned.body));
    } catch (const std::exception&) {
      body = "unwrap failed";  // the harness's own failure: the client reports an undecryptable answer
    }
  }
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(canned.status));
  for (const auto& [name, value] : canned.headers) response.set(name, value);
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send().write(body.data(), static_cast<std::streamsize>(body.size()));
}

}  // namespace

namespace {

void fuzzOne(std::string_view input) {
  const auto canned = kr_fuzz::parseCannedAnswer(input);
  if (!canned) return;
  const std::string& op = canned->operation;
  if (op != "get_secret" && op != "get_record" && op != "bind" && op != "update") return;
  const kr_fuzz::AnswerScope scope([&canned](Poco::Net::HTTPServerRequest& rq, const std::string&,
                                             Poco::Net::HTTPServerResponse& rs) { answer(*canned, rq, rs); });
  // One bound client for the whole run (its connection is kept alive); binding changes the configuration, so a
  // bind gets a client of its own.
  static ksm::Client bound(config(true), options());
  std::size_t total = 0;
  try {
    if (op == "bind") {
      ksm::Client unbound(config(false), options());
      const ksm::SecretsResult result = unbound.getSecrets();
      if (unbound.config().appKey.size() != 32 || !unbound.config().clientKey.empty())
        kr_fuzz::violated(
            "binding produced a configuration parseConfig refuses (app key not 32 bytes, or client key kept)");
      total += result.records.size();
    } else if (op == "get_secret") {
      const ksm::SecretsResult result = bound.getSecrets();
      for (const auto& record : result.records) total += record.title().size() + record.type().size();
      total += result.undecryptable.size() + result.appTitle.size() + result.warnings.size();
    } else if (op == "get_record") {
      const ksm::Record record = bound.getRecord("RECORD-UID");
      if (record.uid != "RECORD-UID" || !record.data)
        kr_fuzz::violated("getRecord returned another record or one without data");
      total += record.title().size();
    } else {
      ksm::Record record;
      record.uid = "RECORD-UID";
      record.revision = 7;
      record.recordKey = Secret(keys().record);
      record.data = std::make_shared<keeper_rotate::json::Object>();
      bound.updateRecord(record);
    }
  } catch (const ksm::KsmError& e) {
    kr_fuzz::note(e);
  }
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
