// @azure/identity (MSAL Node) and @microsoft/microsoft-graph-client against fake-entra. Each check exits non-zero with a reason when it fails.
// Args: baseUrl tenantId clientId objectId; the client secret comes from PROBE_SECRET.
"use strict";
const assert = require("node:assert/strict");
const { ClientSecretCredential } = require("@azure/identity");

const [base, tenant, clientId, objectId] = process.argv.slice(2);
const secret = process.env.PROBE_SECRET;
const scope = `${base}/.default`;
const options = { authorityHost: base, disableInstanceDiscovery: true };

async function expectFailure(credential, code) {
  try {
    await credential.getToken(scope);
  } catch (e) {
    assert.match(String(e.message), new RegExp(`AADSTS${code}`), `expected AADSTS${code}, got: ${e.message}`);
    return;
  }
  assert.fail(`expected AADSTS${code}, but a token was issued`);
}

// The official Graph JS SDK reads the fake's Graph answers: entities, collections, addPassword's
// passwordCredential, 204 from removePassword, and error bodies (code, message, innerError request-id and date).
async function graphSdkChecks() {
  const { Client } = require("@microsoft/microsoft-graph-client");
  const { TokenCredentialAuthenticationProvider } =
    require("@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials");
  const credential = new ClientSecretCredential(tenant, clientId, secret, options);
  const graph = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] }),
    baseUrl: base,
    defaultVersion: "v1.0",
    customHosts: new Set(["localhost"]),
  });
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  const app = await graph.api(`/applications/${objectId}`).select(["id", "appId", "passwordCredentials"]).get();
  assert.equal(app.id, objectId);
  assert.equal(app.passwordCredentials.length, 1);
  const byFilter = await graph.api("/applications").filter(`appId eq '${clientId}'`).get();
  assert.equal(byFilter.value.length, 1);
  assert.equal(byFilter.value[0].id, objectId);
  const byKey = await graph.api(`/applications(appId='${clientId}')`).get();
  assert.equal(byKey.id, objectId);
  console.log("ok: Graph SDK reads the application by object id, $filter and appId alternate key");

  const added = await graph.api(`/applications/${objectId}/addPassword`)
    .post({ passwordCredential: { displayName: "fidelity add", endDateTime: "2030-01-01T00:00:00Z" } });
  assert.match(added.keyId, guid);
  assert.match(added.secretText, /^[A-Za-z0-9._~-]{3}8Q~[A-Za-z0-9._~-]{34}$/);
  assert.equal(added.hint, added.secretText.slice(0, 3));
  assert.equal(added.customKeyIdentifier, null);
  assert.equal(added.displayName, "fidelity add");
  assert.equal(added.endDateTime, "2030-01-01T00:00:00Z");
  assert.match(added.startDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  assert.match(added["@odata.context"], /\/v1\.0\/\$metadata#microsoft\.graph\.passwordCredential$/);
  const fresh = await new ClientSecretCredential(tenant, clientId, added.secretText, options).getToken(scope);
  assert.ok(fresh.token, "the added secret signs in");
  const listed = await graph.api(`/applications/${objectId}`).select("passwordCredentials").get();
  const entry = listed.passwordCredentials.find((p) => p.keyId === added.keyId);
  assert.ok(entry && entry.secretText === null && entry.hint === added.hint, "listed without its value");
  console.log("ok: addPassword answer has the real shapes and the secret signs in");

  const removed = await graph.api(`/applications/${objectId}/removePassword`).post({ keyId: added.keyId });
  assert.ok(removed === undefined || removed === null || Object.keys(removed).length === 0, "204 without a body");
  try {
    await graph.api(`/applications/${objectId}/removePassword`).post({ keyId: added.keyId });
    assert.fail("removing twice should fail");
  } catch (e) {
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, "Request_BadRequest");
    assert.match(e.message, new RegExp(`No password credential found with keyId ${added.keyId}`));
    assert.match(e.requestId, guid);
    assert.ok(e.date instanceof Date && !isNaN(e.date.getTime()), "innerError.date parses");
  }
  try {
    await graph.api("/applications/00000000-0000-4000-8000-000000000000").get();
    assert.fail("unknown object id should fail");
  } catch (e) {
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, "Request_ResourceNotFound");
  }
  console.log("ok: removePassword 204, then 400 'No password credential found'; 404 Request_ResourceNotFound");
}

(async () => {
  // 1. A token by tenant GUID: MSAL fetches the OpenID configuration, then the token endpoint.
  const before = Date.now();
  const token = await new ClientSecretCredential(tenant, clientId, secret, options).getToken(scope);
  assert.ok(token && typeof token.token === "string" && token.token.split(".").length === 3, "JWT-shaped access token");
  const lifetime = (token.expiresOnTimestamp - before) / 1000;
  assert.ok(lifetime > 3500 && lifetime <= 3600, `expires_in 3599 honoured (got ${lifetime}s)`);
  console.log(`ok: token by tenant id (${token.token.length} chars, ~${Math.round(lifetime)}s)`);

  // 2. By verified domain.
  await new ClientSecretCredential("fidelity.onmicrosoft.com", clientId, secret, options).getToken(scope);
  console.log("ok: token by tenant domain");

  // 3. The token works against the fake's Graph (same audience), the way a Graph SDK would send it.
  const res = await fetch(`${base}/v1.0/applications/${objectId}?$select=id,appId,passwordCredentials`, {
    headers: { Authorization: `Bearer ${token.token}` },
  });
  assert.equal(res.status, 200);
  const app = await res.json();
  assert.equal(app.appId, clientId);
  assert.equal(app.passwordCredentials[0].secretText, null);
  assert.match(app["@odata.context"], /\$metadata#applications\(id,appId,passwordCredentials\)\/\$entity$/);
  console.log("ok: token accepted by Graph");

  // 4. Errors surface in @azure/identity with their AADSTS codes.
  await expectFailure(new ClientSecretCredential(tenant, clientId, "wrong-secret-value", options), 7000215);
  await expectFailure(new ClientSecretCredential(tenant, "11111111-1111-4111-8111-111111111111", secret, options), 700016);
  console.log("ok: AADSTS7000215 and AADSTS700016 reported by @azure/identity");

  // 5. What the fake saw: the OpenID configuration request and form-encoded client-credentials token requests.
  const log = await (await fetch(`${base}/_fake/requests`)).json();
  assert.ok(log.some((r) => r.path.endsWith("/v2.0/.well-known/openid-configuration") && r.status === 200),
            "OpenID configuration fetched");
  assert.ok(log.some((r) => r.path === `/${tenant}/oauth2/v2.0/token` && r.status === 200 && r.clientId === clientId),
            "token endpoint used");
  console.log("ok: request log shows the OpenID configuration and token requests");
  await graphSdkChecks();
  console.log("PASS: @azure/identity obtained tokens from fake-entra and the Graph SDK read its answers");
})().catch((e) => {
  console.error(`FAIL: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
