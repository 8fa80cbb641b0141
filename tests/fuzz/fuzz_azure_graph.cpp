// Target azure_graph: answers of Microsoft Graph and of the Entra ID token endpoint as kr_azure reads them
// (plugins/providers/azure-app-secret/lib): application objects (getById, findByAppId), addPassword results,
// removePassword, Graph error bodies (graph_client.cpp parseError, graph_errors.hpp explainGraphError), token
// responses and token errors (token_client.hpp, explainTokenFailure), and Retry-After values (retry_policy.hpp).
// The JSON readers are private to GraphClient and TokenClient, so the public clients run against a loopback HTTPS
// server (support/loopback_server.hpp) that answers every request with the fuzzed answer.
//
// Input: the canned answer format of support/fuzz_input.hpp; operations getById, findByAppId, addPassword,
// removePassword, token, and retryAfter (the body is a Retry-After header value, parsed directly). Documented
// failures: GraphError, AddOutcomeUnknown, GraphUnreachable; a token request reports failure in its TokenResult;
// both pass on a permanent https::TransportError (never seen on loopback).
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <keeper_rotate/https_client.hpp>
#include <kr_azure/graph_client.hpp>
#include <kr_azure/graph_errors.hpp>
#include <kr_azure/token_client.hpp>
#include <string>

#include "fuzz_input.hpp"
#include "loopback_server.hpp"

namespace https = keeper_rotate::https;

namespace {

https::Client& httpClient() {
  static https::Client client([] {
    https::Options o;
    o.caFile = kr_fuzz::LoopbackServer::instance().caFile();
    o.useProxyEnvironment = false;
    o.ioTimeout = std::chrono::seconds(5);
    return o;
  }());
  return client;
}

// Two attempts, no waiting: retries are exercised, the run stays fast.
kr_azure::RetryPolicy policy() {
  kr_azure::RetryPolicy p;
  p.maxAttempts = 2;
  p.baseDelay = std::chrono::milliseconds(0);
  p.maxDelay = std::chrono::milliseconds(0);
  p.totalWaitBudget = std::chrono::milliseconds(1000);
  return p;
}

void noSleep(std::chrono::milliseconds) {}

std::size_t use(const kr_azure::AppInfo& app) {
  std::size_t n = app.id.size() + app.appId.size() + app.displayName.size() + (app.allowsPersonalAccounts() ? 1 : 0);
  for (const auto& p : app.passwords) n += p.keyId.size() + p.displayName.size() + p.hint.size() + p.endDateTime.size();
  return n;
}

}  // namespace

namespace {

void fuzzOne(std::string_view input) {
  const auto canned = kr_fuzz::parseCannedAnswer(input);
  if (!canned) return;
  const std::string& op = canned->operation;
  std::size_t total = 0;
  if (op == "retryAfter") {
    if (auto ms = kr_azure::parseRetryAfter(canned->body)) {
      if (ms->count() < 0) kr_fuzz::violated("parseRetryAfter returned a negative delay");
      total += static_cast<std::size_t>(policy().delayFor(1, ms).count() >= 0);
    }
    kr_fuzz::keep(total);
    return;
  }
  if (op != "getById" && op != "findByAppId" && op != "addPassword" && op != "removePassword" && op != "token") return;

  auto& server = kr_fuzz::LoopbackServer::instance();
  const kr_fuzz::AnswerScope scope(
      [&canned](Poco::Net::HTTPServerRequest&, const std::string&, Poco::Net::HTTPServerResponse& rs) {
        rs.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(canned->status));
        for (const auto& [name, value] : canned->headers) rs.set(name, value);
        rs.setContentLength(static_cast<std::streamsize>(canned->body.size()));
        rs.send().write(canned->body.data(), static_cast<std::streamsize>(canned->body.size()));
      });
  const kr_azure::Endpoints endpoints{server.baseUrl(), server.baseUrl()};
  const std::string objectId = "00000000-0000-0000-0000-0000000000a1";

  if (op == "token") {
    kr_azure::TokenClient tokens(httpClient(), endpoints, policy(), noSleep);
    const keeper_rotate::Secret secret("admin-secret-value");
    kr_azure::TokenResult result;
    try {
      result = tokens.request("contoso.onmicrosoft.com", "client-id", secret);
    } catch (const https::TransportError& e) {  // permanent transport errors (token_client.cpp); not on loopback
      kr_fuzz::note(e);
      return;
    }
    if (result.ok) {
      total += result.accessToken.size() + static_cast<std::size_t>(result.expiresIn.count() != 0);
    } else {
      total += kr_azure::summarizeTokenFailure(result).size();
      total +=
          std::string(kr_azure::explainTokenFailure(result, "contoso.onmicrosoft.com", "client-id", endpoints).what())
              .size();
    }
  } else {
    const keeper_rotate::Secret token("bearer-token");
    kr_azure::GraphClient graph(
        httpClient(), endpoints.graph, [&token](bool) -> const keeper_rotate::Secret& { return token; }, policy(),
        noSleep, [](const std::string&) {});
    try {
      if (op == "getById") {
        if (auto app = graph.getById(objectId)) total += use(*app);
      } else if (op == "findByAppId") {
        for (const auto& app : graph.findByAppId("11111111-2222-3333-4444-555555555555")) total += use(app);
      } else if (op == "addPassword") {
        const kr_azure::NewPassword added = graph.addPassword(objectId, "keeper-rotate", "2030-01-01T00:00:00Z");
        if (added.keyId.empty() || added.secret.empty())
          kr_fuzz::violated(
              "addPassword returned without keyId or secretText");  // documented: AddOutcomeUnknown instead
        total += added.displayName.size() + added.endDateTime.size();
      } else {
        total += graph.removePassword(objectId, "key-id") == kr_azure::GraphClient::Removed::Now ? 1 : 2;
      }
    } catch (const kr_azure::GraphError& e) {
      kr_fuzz::note(e);
      kr_azure::ErrorContext context{op, objectId, "client-id", 180, 2};
      total += std::string(kr_azure::explainGraphError(e, context).what()).size() + e.requestId.size();
    } catch (const kr_azure::AddOutcomeUnknown& e) {
      kr_fuzz::note(e);
    } catch (const kr_azure::GraphUnreachable& e) {
      kr_fuzz::note(e);
    } catch (const https::TransportError& e) {  // permanent transport errors (graph_client.cpp); not on loopback
      kr_fuzz::note(e);
    }
  }
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
