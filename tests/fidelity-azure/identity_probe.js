// @azure/identity (MSAL Node) against fake-entra. Each check exits non-zero with a reason when it fails.
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
  console.log("PASS: @azure/identity obtained tokens from fake-entra");
})().catch((e) => {
  console.error(`FAIL: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
