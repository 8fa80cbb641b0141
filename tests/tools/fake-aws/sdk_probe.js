// The official AWS SDK for JavaScript against fake-aws: every call is signed by the SDK's own SigV4 signer and
// every result and error is parsed by its own query-protocol deserialiser, so the fake's wire shapes are checked by
// an independent implementation (tools/fake-aws/README.md, docs/aws-iam.md).
//
// Usage: node sdk_probe.js BASE_URL IMDS_URL
// Environment: PROBE_ADMIN_KEY_ID/PROBE_ADMIN_SECRET (every permission), PROBE_READER_KEY_ID/PROBE_READER_SECRET
// (iam:ListAccessKeys only), NODE_EXTRA_CA_CERTS = the fake's CA. Prints one line per check, never a secret; exits
// non-zero when any check fails.
"use strict";

const https = require("node:https");
const {
  IAMClient, CreateAccessKeyCommand, DeleteAccessKeyCommand, GetAccessKeyLastUsedCommand, GetUserCommand,
  ListAccessKeysCommand, UpdateAccessKeyCommand,
} = require("@aws-sdk/client-iam");
const { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const legacyImds = require("@aws-sdk/credential-provider-imds");
const currentImds = require("@smithy/credential-provider-imds");

const [base, imdsUrl] = process.argv.slice(2);
const admin = { accessKeyId: process.env.PROBE_ADMIN_KEY_ID, secretAccessKey: process.env.PROBE_ADMIN_SECRET };
const reader = { accessKeyId: process.env.PROBE_READER_KEY_ID, secretAccessKey: process.env.PROBE_READER_SECRET };
const region = "us-east-1";

let failures = 0;
function check(ok, what, detail) {
  console.log(`${ok ? "ok" : "FAIL"} - ${what}${!ok && detail !== undefined ? ": " + detail : ""}`);
  if (!ok) failures += 1;
}

const iamFor = (credentials, extra = {}) => new IAMClient({ region, endpoint: base, credentials, ...extra });
const stsFor = (credentials, extra = {}) => new STSClient({ region, endpoint: base, credentials, ...extra });

async function expectError(promise, name, status, what) {
  try {
    await promise;
    check(false, what, "no error");
    return undefined;
  } catch (e) {
    check(e.name === name && e.$metadata?.httpStatusCode === status, what,
      `${e.name} ${e.$metadata?.httpStatusCode}: ${e.message}`);
    return e;
  }
}

// The admin API (plain JSON over the same TLS, trusted through NODE_EXTRA_CA_CERTS).
function adminCall(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, base), { method, headers: { "Content-Type": "application/json" } },
      (res) => {
        let text = "";
        res.on("data", (c) => { text += c; });
        res.on("end", () => resolve({ status: res.statusCode, body: text }));
      });
    req.on("error", reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

async function main() {
  const iam = iamFor(admin);
  const sts = stsFor(admin);

  // STS GetCallerIdentity
  const me = await sts.send(new GetCallerIdentityCommand({}));
  check(me.Arn === "arn:aws:iam::123456789012:user/admin" && me.Account === "123456789012" &&
        /^AIDA[A-Z0-9]{17}$/.test(me.UserId), "GetCallerIdentity parsed: Arn, Account, UserId", JSON.stringify(me));
  check(typeof me.$metadata.requestId === "string" && me.$metadata.requestId.length === 36,
    "the SDK reads the RequestId from ResponseMetadata");

  // ListAccessKeys
  const listed = await iam.send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(listed.AccessKeyMetadata.length === 1 && listed.AccessKeyMetadata[0].CreateDate instanceof Date &&
        listed.AccessKeyMetadata[0].Status === "Active" && listed.IsTruncated === false,
    "ListAccessKeys parsed: one member, CreateDate a Date, IsTruncated false", JSON.stringify(listed));
  const bobKey = listed.AccessKeyMetadata[0].AccessKeyId;

  // CreateAccessKey
  const created = await iam.send(new CreateAccessKeyCommand({ UserName: "bob" }));
  const key = created.AccessKey;
  check(/^AKIA[A-Z0-9]{16}$/.test(key.AccessKeyId) && /^[A-Za-z0-9/+]{40}$/.test(key.SecretAccessKey) &&
        key.UserName === "bob" && key.Status === "Active" && key.CreateDate instanceof Date &&
        Math.abs(key.CreateDate.getTime() - Date.now()) < 120000,
    "CreateAccessKey parsed: AKIA id, 40-char SecretAccessKey, CreateDate a Date close to now");
  const fresh = stsFor({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
  const freshMe = await fresh.send(new GetCallerIdentityCommand({}));
  check(freshMe.Arn === "arn:aws:iam::123456789012:user/bob", "the new key signs GetCallerIdentity as bob");

  // Paging
  const page = await iam.send(new ListAccessKeysCommand({ UserName: "bob", MaxItems: 1 }));
  const page2 = page.IsTruncated && await iam.send(new ListAccessKeysCommand({ UserName: "bob", Marker: page.Marker }));
  check(page.IsTruncated === true && typeof page.Marker === "string" && page2 &&
        page2.AccessKeyMetadata.length === 1 && page2.AccessKeyMetadata[0].AccessKeyId === key.AccessKeyId,
    "ListAccessKeys pages with MaxItems and Marker");

  // The third key: LimitExceeded. The SDK's retry strategy counts LimitExceededException among throttling codes,
  // so a client with retries would repeat it; one attempt shows the raw answer.
  const limit = await expectError(iamFor(admin, { maxAttempts: 1 }).send(new CreateAccessKeyCommand({ UserName: "bob" })),
    "LimitExceededException", 409, "a third CreateAccessKey raises LimitExceededException with HTTP 409");
  check(limit && limit.message === "Cannot exceed quota for AccessKeysPerUser: 2" && limit.$fault === "client",
    "LimitExceededException carries IAM's message and is a client fault", limit && limit.message);

  // UpdateAccessKey, GetAccessKeyLastUsed, GetUser
  await iam.send(new UpdateAccessKeyCommand({ UserName: "bob", AccessKeyId: bobKey, Status: "Inactive" }));
  const afterUpdate = await iam.send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(afterUpdate.AccessKeyMetadata.find((k) => k.AccessKeyId === bobKey)?.Status === "Inactive",
    "UpdateAccessKey deactivates the key");
  const lastUsed = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }));
  check(lastUsed.UserName === "bob" && lastUsed.AccessKeyLastUsed.ServiceName === "sts" &&
        lastUsed.AccessKeyLastUsed.Region === region && lastUsed.AccessKeyLastUsed.LastUsedDate instanceof Date,
    "GetAccessKeyLastUsed parsed: sts, us-east-1, LastUsedDate a Date", JSON.stringify(lastUsed));
  const user = await iam.send(new GetUserCommand({}));
  check(user.User.UserName === "admin" && user.User.Arn === me.Arn && user.User.CreateDate instanceof Date &&
        user.User.Path === "/", "GetUser without UserName answers the caller");

  // DeleteAccessKey, NoSuchEntity
  await iam.send(new DeleteAccessKeyCommand({ UserName: "bob", AccessKeyId: bobKey }));
  const afterDelete = await iam.send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(afterDelete.AccessKeyMetadata.length === 1 && afterDelete.AccessKeyMetadata[0].AccessKeyId === key.AccessKeyId,
    "DeleteAccessKey removes the key");
  const missing = await expectError(iam.send(new DeleteAccessKeyCommand({ UserName: "bob", AccessKeyId: bobKey })),
    "NoSuchEntityException", 404, "deleting it again raises NoSuchEntityException with HTTP 404");
  check(missing && missing.message === `The Access Key with id ${bobKey} cannot be found.`,
    "NoSuchEntityException carries IAM's message", missing && missing.message);
  await expectError(iam.send(new GetUserCommand({ UserName: "nobody" })), "NoSuchEntityException", 404,
    "GetUser of an unknown user raises NoSuchEntityException");

  // AccessDenied for a restricted user; its own listing is allowed.
  const readerIam = iamFor(reader, { maxAttempts: 1 });
  const readerList = await readerIam.send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(readerList.AccessKeyMetadata.length === 1, "the restricted user may list keys");
  const denied = await expectError(readerIam.send(new CreateAccessKeyCommand({ UserName: "bob" })), "AccessDenied", 403,
    "the restricted user's CreateAccessKey raises AccessDenied with HTTP 403");
  check(denied && denied.message === "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: " +
        "iam:CreateAccessKey on resource: user bob", "AccessDenied names the ARN, the action and the user",
  denied && denied.message);

  // A wrong secret, an unknown key id.
  await expectError(stsFor({ accessKeyId: admin.accessKeyId, secretAccessKey: reader.secretAccessKey },
    { maxAttempts: 1 }).send(new GetCallerIdentityCommand({})), "SignatureDoesNotMatch", 403,
  "a wrong secret raises SignatureDoesNotMatch with HTTP 403");
  await expectError(iamFor({ accessKeyId: "AKIAFAKEAWSUNKNOWN01", secretAccessKey: admin.secretAccessKey },
    { maxAttempts: 1 }).send(new ListAccessKeysCommand({})), "InvalidClientTokenId", 403,
  "an unknown key id raises InvalidClientTokenId with HTTP 403");

  // AssumeRole, then GetCallerIdentity with the session credentials (session token signed by the SDK).
  const assumed = await sts.send(new AssumeRoleCommand({
    RoleArn: "arn:aws:iam::123456789012:role/rotator", RoleSessionName: "fidelity", DurationSeconds: 900,
  }));
  const c = assumed.Credentials;
  check(/^ASIA[A-Z0-9]{16}$/.test(c.AccessKeyId) && c.SessionToken.length > 100 && c.Expiration instanceof Date &&
        Math.abs(c.Expiration.getTime() - Date.now() - 900000) < 120000 &&
        assumed.AssumedRoleUser.Arn === "arn:aws:sts::123456789012:assumed-role/rotator/fidelity",
  "AssumeRole parsed: ASIA key, SessionToken, Expiration a Date 15 minutes ahead, AssumedRoleUser");
  const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const asRole = await stsFor(session).send(new GetCallerIdentityCommand({}));
  check(asRole.Arn === assumed.AssumedRoleUser.Arn && asRole.UserId === assumed.AssumedRoleUser.AssumedRoleId,
    "GetCallerIdentity with the session credentials answers the assumed role");
  const roleList = await iamFor(session).send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(roleList.AccessKeyMetadata.length === 1, "the session carries the role's IAM permissions");
  await expectError(stsFor({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey }, { maxAttempts: 1 })
    .send(new GetCallerIdentityCommand({})), "InvalidClientTokenId", 403,
  "the session key without its token raises InvalidClientTokenId");
  await expectError(stsFor(reader, { maxAttempts: 1 }).send(new AssumeRoleCommand({
    RoleArn: "arn:aws:iam::123456789012:role/rotator", RoleSessionName: "nope",
  })), "AccessDenied", 403, "an untrusted caller's AssumeRole raises AccessDenied");

  // Throttling through the admin fault API: one throttled request, and the SDK's own retry gets through.
  let res = await adminCall("POST", "/_fake/faults", { action: "ListAccessKeys", status: 400, code: "Throttling", times: 1 });
  check(res.status === 204, "the admin API takes a Throttling fault", res.status);
  const retried = await iamFor(admin, { maxAttempts: 3 }).send(new ListAccessKeysCommand({ UserName: "bob" }));
  check(retried.$metadata.attempts === 2 && retried.$metadata.totalRetryDelay > 0,
    "the SDK retries the throttled call once and succeeds", JSON.stringify(retried.$metadata));
  await adminCall("POST", "/_fake/faults", { action: "ListAccessKeys", status: 400, times: 1 });
  const throttled = await expectError(iamFor(admin, { maxAttempts: 1 }).send(new ListAccessKeysCommand({ UserName: "bob" })),
    "Throttling", 400, "without retries the SDK raises Throttling with HTTP 400");
  let classified = "not checked";
  try {
    const { isThrottlingError } = require("@smithy/core/retry");
    classified = throttled ? isThrottlingError(throttled) : false;
  } catch (e) {
    classified = `@smithy/core/retry not loadable: ${e.message}`;
  }
  check(classified === true, "the SDK's error classification calls it a throttling error", classified);
  check(throttled && throttled.message === "Rate exceeded", "Throttling carries Rate exceeded", throttled && throttled.message);
  const denials = await expectError(iamFor(reader, { maxAttempts: 3 }).send(new CreateAccessKeyCommand({ UserName: "bob" })),
    "AccessDenied", 403, "AccessDenied again with retries allowed");
  check(denials && denials.$metadata.attempts === 1, "the SDK does not retry AccessDenied",
    denials && JSON.stringify(denials.$metadata));

  // IMDSv2: the instance role's credentials, through both IMDS providers, work against STS.
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imdsUrl;
  await adminCall("DELETE", "/_fake/requests");
  for (const [name, mod] of [["@aws-sdk/credential-provider-imds", legacyImds],
    ["@smithy/credential-provider-imds", currentImds]]) {
    try {
      const creds = await mod.fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })();
      check(/^ASIA[A-Z0-9]{16}$/.test(creds.accessKeyId) && creds.sessionToken.length > 100 &&
            creds.expiration instanceof Date, `${name} fromInstanceMetadata yields role credentials`);
      const viaImds = await stsFor(creds).send(new GetCallerIdentityCommand({}));
      check(viaImds.Arn === "arn:aws:sts::123456789012:assumed-role/rotator/i-0a1b2c3d4e5f60718",
        `${name}: the credentials work for GetCallerIdentity`, viaImds.Arn);
    } catch (e) {
      check(false, `${name} fromInstanceMetadata`, `${e.name}: ${e.message}`);
    }
  }
  const log = JSON.parse((await adminCall("GET", "/_fake/requests")).body);
  const tokenPuts = log.filter((r) => r.service === "imds" && r.action === "PUT /latest/api/token" && r.status === 200);
  const tokenless = log.filter((r) => r.service === "imds" && r.status === 401);
  check(tokenPuts.length === 2 && tokenless.length === 0, "both providers used IMDSv2 tokens (no 401)",
    JSON.stringify(log.filter((r) => r.service === "imds")));

  // The hop limit: the SDK's token PUT times out; the provider falls back to IMDSv1, which v2Only refuses.
  res = await adminCall("POST", "/_fake/instance-profile", { roleName: "rotator", v2Only: true, hopLimitBlocks: 1,
    hopLimitHangMs: 1500 });
  check(res.status === 204, "the admin API sets a hop-limit block", res.status);
  try {
    await currentImds.fromInstanceMetadata({ timeout: 300, maxRetries: 0 })();
    check(false, "a blocked token PUT makes fromInstanceMetadata fail", "credentials returned");
  } catch (e) {
    check(true, `a blocked token PUT makes fromInstanceMetadata fail (${e.name})`);
  }
  const after = await currentImds.fromInstanceMetadata({ timeout: 1000, maxRetries: 0 })();
  check(/^ASIA/.test(after.accessKeyId), "once the block is used up the provider gets credentials again");
}

main().then(() => {
  console.log(failures === 0 ? "all checks passed" : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}, (e) => {
  console.log(`FAIL - unexpected ${e.name}: ${e.message}`);
  process.exit(1);
});
