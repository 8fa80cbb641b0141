#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ (realistic, valid inputs; no real secrets).

Not run by CI: the seeds are committed. Re-run after changing a target's input format:
  python3 tests/fuzz/make-seeds.py        (needs python3-cryptography for the ksm_decrypt ciphertexts)
Files this script does not write (crash-* regression inputs, seeds added by hand) are left alone.
"""
import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def canned(op, status, body, headers=()):
    head = "%s %d\n" % (op, status)
    for name, value in headers:
        head += "%s: %s\n" % (name, value)
    return head + "\n" + body


# ---- gateway_input (docs/gateway-input.md §2, §3, §6; tests/core/host/test_input.cpp) ----
USER_UID = "USER-UID"
records = [
    {"uid": "CFG-UID", "title": "Azure", "clientId": "11111111-2222-3333-4444-555555555555",
     "clientSecret": "admin-secret-placeholder", "tenantId": "contoso.onmicrosoft.com"},
    {"uid": USER_UID, "title": "My app secret", "login": "my-app", "password": "placeholder",
     "application_object_id": "00000000-0000-0000-0000-000000000000", "old_secrets": "keep-previous",
     "secret_lifetime_days": "180", "record_writer": "stdout"},
]
gw = {"providerRecordUid": "CFG-UID", "resourceRecordUid": "", "userRecordUid": USER_UID,
      "newPassword": "generated-by-the-gateway", "oldPassword": "previous-password", "user": "my-app",
      "records": b64(compact(records))}
write("gateway_input", "base64-line", b64(compact(gw)) + "\n")
write("gateway_input", "json-records-base64", json.dumps(gw, indent=2))
gw_direct = dict(gw, records=records)
write("gateway_input", "json-records-array", compact(gw_direct))
shapes = [{"uid": "U1", "title": "App", "application_object_id": ["obj-1", "ignored"], "expires": "2027",
           "host": {"hostName": "h", "port": "22"}, "hosts": [{"hostName": "a"}], "count": 3, "flag": True,
           "nothing": None, "empty": [], "unknownKey": "kept as a field", "text": "a", "text1": "b", "text2": "c"},
          {"uid": "C", "title": "Cfg", "clientId": "abc"}]
write("gateway_input", "value-shapes", compact({"userRecordUid": "U1", "records": compact(shapes)}))
write("gateway_input", "records-without-pam-user",
      base64.urlsafe_b64encode(compact({"userRecordUid": "MISSING", "records": b64(compact(records[:1]))}).encode())
      .decode().rstrip("="))
aws_records = [{"uid": "AWS-USER", "title": "IAM user", "login": "rotated-user",
                "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "placeholder",
                "old_keys": "delete", "when_full": "fail", "aws_region": "us-east-1"}]
write("gateway_input", "aws-user",
      b64(compact({"userRecordUid": "AWS-USER", "providerRecordUid": None, "user": "rotated-user",
                   "records": b64(compact(aws_records))})))

# ---- pam_user_record: decrypted KSM record data (docs/ksm-protocol.md §5, §6) ----
pam_user = {"title": "My app secret", "type": "pamUser",
            "fields": [{"type": "login", "value": ["my-app"]}, {"type": "password", "value": ["placeholder"]},
                       {"type": "url", "value": []}, {"type": "oneTimeCode", "value": []}],
            "custom": [{"type": "text", "label": "application_object_id",
                        "value": ["00000000-0000-0000-0000-000000000000"]},
                       {"type": "text", "label": "old_secrets", "value": ["keep-previous"]},
                       {"type": "secret", "label": "client_secret", "value": ["(set by keeper-rotate)"]},
                       {"type": "text", "value": ["unlabelled"]}, {"type": "text", "value": ["unlabelled 2"]},
                       {"type": "host", "label": "host", "value": [{"hostName": "h", "port": "22"}]}],
            "notes": ""}
write("pam_user_record", "pam-user", compact(pam_user))
write("pam_user_record", "pam-user-padded", compact(pam_user).ljust(1024))
aws_user = {"title": "IAM user", "type": "pamUser",
            "fields": [{"type": "login", "value": ["rotated-user"]}],
            "custom": [{"type": "text", "label": "aws_access_key_id", "value": ["AKIAIOSFODNN7EXAMPLE"]},
                       {"type": "secret", "label": "aws_secret_access_key", "value": ["placeholder"]},
                       {"type": "text", "label": "aws_removed_access_key_ids", "value": ["AKIA1, AKIA2"]},
                       {"type": "text", "label": "count", "value": [3]},
                       {"type": "checkbox", "label": "flag", "value": [True]}]}
write("pam_user_record", "aws-user", json.dumps(aws_user, indent=1))
write("pam_user_record", "odd-shapes",
      compact({"title": 5, "fields": "not an array", "custom": [None, 1, {"label": "x", "value": "scalar"},
                                                                {"type": "t", "value": None}]}))
write("pam_user_record", "minimal", '{"title":"t","type":"login","fields":[],"custom":[]}')

# ---- ksm_config (docs/ksm-protocol.md §1; the SDKs' key names) ----
# A P-256 PKCS#8 key with private scalar 3c*32 (a test value, docs/ksm-protocol.md §10), built without a library:
# the fixed DER prefix of an EC PKCS#8 key without the public point.
pkcs8 = bytes.fromhex("3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420") + b"\x3c" * 32
app_key = bytes(range(32))
server_point = None
try:
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives import serialization

    def point(scalar_byte):
        key = ec.derive_private_key(int.from_bytes(bytes([scalar_byte]) * 32, "big"), ec.SECP256R1())
        return key, key.public_key().public_bytes(serialization.Encoding.X962,
                                                  serialization.PublicFormat.UncompressedPoint)

    device_key, _ = point(0x3c)
    pkcs8 = device_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    _, server_point = point(0x11)
except ImportError:
    print("python3-cryptography missing: ksm_decrypt seeds are not written", file=sys.stderr)

bound = {"hostname": "keepersecurity.com", "clientId": b64(b"\x01" * 64), "privateKey": b64(pkcs8),
         "appKey": b64(app_key), "serverPublicKeyId": "10",
         "appOwnerPublicKey": b64(server_point or b"\x04" + b"\x02" * 64)}
write("ksm_config", "bound.json", json.dumps(bound, indent=4) + "\n")
write("ksm_config", "bound.base64", b64(compact(bound)))
unbound = {"hostname": "EU", "clientId": b64(b"\x02" * 64), "privateKey": b64(pkcs8),
           "clientKey": base64.urlsafe_b64encode(b"\x07" * 32).decode().rstrip("=")}
write("ksm_config", "unbound-region.json", compact(unbound))
if server_point:
    custom = dict(bound, hostname="https://localhost:8443/", serverPublicKeyId="17",
                  serverPublicKey=base64.urlsafe_b64encode(server_point).decode().rstrip("="))
    write("ksm_config", "custom-server-key.json", compact(custom))
gateway = {"hostname": "keepersecurity.com", "clientId": b64(b"\x03" * 64), "privateKey": b64(pkcs8),
           "appKey": b64(app_key), "serverPublicKeyId": 7, "appOwnerPublicKey": None}
write("ksm_config", "gateway-config.base64", b64(json.dumps(gateway)))

# ---- ksm_decrypt: ciphertexts under the target's fixed keys (fuzz_ksm_decrypt.cpp) ----
get_secret_answer = {"appData": "(app data)", "encryptedAppKey": None, "appOwnerPublicKey": None,
                     "folders": [{"folderUid": "SF-UID", "folderKey": "(key)",
                                  "records": [{"recordUid": "RECORD-UID", "recordKey": "(key)", "data": "(data)",
                                               "revision": 1700000000000, "isEditable": True, "files": None}]}],
                     "records": [], "expiresOn": 0, "warnings": None}
try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    tk = bytes(range(1, 33))

    def gcm(key, plain, iv_byte):
        iv = bytes([iv_byte]) * 12
        return iv + AESGCM(key).encrypt(iv, plain, None)

    write("ksm_decrypt", "response-body", gcm(tk, compact(get_secret_answer).encode(), 0xa0))
    write("ksm_decrypt", "record-data-padded", gcm(tk, compact(pam_user).ljust(512).encode(), 0xa1))
    write("ksm_decrypt", "record-key-base64", b64(gcm(tk, b"\xe1" * 32, 0xa2)))
    write("ksm_decrypt", "app-data-base64url",
          base64.urlsafe_b64encode(gcm(tk, b'{"title":"keeper-rotate app","type":"app"}', 0xa3)).decode().rstrip("="))
    write("ksm_decrypt", "empty-plaintext", gcm(tk, b"", 0xa4))
    server = ec.derive_private_key(int.from_bytes(b"\x11" * 32, "big"), ec.SECP256R1())
    eph = ec.derive_private_key(int.from_bytes(b"\x2a" * 32, "big"), ec.SECP256R1())
    shared = eph.exchange(ec.ECDH(), server.public_key())
    eph_point = eph.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    write("ksm_decrypt", "wrapped-transmission-key", eph_point + gcm(hashlib.sha256(shared).digest(), tk, 0xa5))
except ImportError:
    pass

# ---- ksm_get_secret (fuzz_ksm_get_secret.cpp: "enc:<k>:<text>" markers are encrypted by the harness) ----
rec_data = compact(pam_user)
direct = {"appData": "enc:a:" + compact({"title": "keeper-rotate", "type": "app"}),
          "records": [{"recordUid": "RECORD-UID", "recordKey": "enc:a:@r", "data": "enc:r:" + rec_data,
                       "revision": 3, "isEditable": True, "files": None, "innerFolderUid": None}],
          "folders": None, "expiresOn": 0, "warnings": ["application expires soon"]}
write("ksm_get_secret", "get_secret-direct", canned("get_secret", 200, compact(direct)))
write("ksm_get_secret", "get_record-direct", canned("get_record", 200, compact(direct)))
folder = {"appData": "enc:a:{\"title\":\"t\"}", "records": [],
          "folders": [{"folderUid": "SF-UID", "folderKey": "enc:a:@f",
                       "records": [{"recordUid": "RECORD-UID", "recordKey": "enc:f:@r", "data": "enc:r:" + rec_data,
                                    "revision": 1700000000001, "isEditable": False},
                                   {"recordUid": "LEGACY-UID", "data": "enc:f:" + compact(aws_user), "revision": 2}]},
                      {"folderUid": "BAD-SF", "folderKey": "not base64!", "records": [{"recordUid": "X"}]}]}
write("ksm_get_secret", "get_record-shared-folder", canned("get_record", 200, compact(folder)))
write("ksm_get_secret", "get_secret-undecryptable",
      canned("get_secret", 200, compact({"records": [{"recordUid": "RECORD-UID", "recordKey": "enc:f:@r",
                                                       "data": "enc:r:{}"}]})))
write("ksm_get_secret", "bind",
      canned("bind", 200, compact({"encryptedAppKey": "enc:c:" + "A" * 32,
                                    "appOwnerPublicKey": b64(server_point or b"\x04" * 65),
                                    "records": [], "folders": []})))
write("ksm_get_secret", "error-throttled",
      canned("get_secret", 403, compact({"error": "throttled", "message": "Too many requests", "retry_after": 0})))
write("ksm_get_secret", "error-key-redirect",
      canned("get_record", 400, compact({"error": "key", "key_id": 7, "message": "invalid key id"})))
write("ksm_get_secret", "error-access-denied",
      canned("get_secret", 401, compact({"result_code": "access_denied", "message": "Signature is invalid",
                                          "additional_info": "device unknown"})))
write("ksm_get_secret", "update-empty", canned("update", 200, ""))

# ---- azure_graph (docs/azure-graph.md §2, §3; tools/fake-entra) ----
app = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications(id,appId)/$entity",
       "id": "00000000-0000-0000-0000-0000000000a1", "appId": "11111111-2222-3333-4444-555555555555",
       "displayName": "rotated app", "signInAudience": "AzureADMyOrg",
       "passwordCredentials": [
           {"customKeyIdentifier": None, "displayName": "keeper-rotate 2025-01-01", "endDateTime": "2026-01-01T00:00:00Z",
            "hint": "abc", "keyId": "aaaaaaaa-0000-0000-0000-000000000001", "secretText": None,
            "startDateTime": "2025-01-01T00:00:00Z"},
           {"displayName": None, "endDateTime": "2027-06-30T12:00:00.123Z", "hint": "xyz",
            "keyId": "aaaaaaaa-0000-0000-0000-000000000002"}]}
write("azure_graph", "getById", canned("getById", 200, json.dumps(app, indent=2), [("request-id", "r-1")]))
write("azure_graph", "findByAppId",
      canned("findByAppId", 200, compact({"@odata.context": "x", "value": [app, dict(app, signInAudience="AzureADandPersonalMicrosoftAccount")]})))
write("azure_graph", "getById-404",
      canned("getById", 404, compact({"error": {"code": "Request_ResourceNotFound", "message": "Resource 'x' does not exist",
                                               "innerError": {"request-id": "r-2", "date": "2025-01-01T00:00:00"}}})))
write("azure_graph", "addPassword",
      canned("addPassword", 200, compact({"customKeyIdentifier": None, "displayName": "keeper-rotate",
                                         "endDateTime": "2030-01-01T00:00:00Z", "hint": "Q~a",
                                         "keyId": "bbbbbbbb-0000-0000-0000-000000000003",
                                         "secretText": "Q~aNotARealSecretValue000000000000000000",
                                         "startDateTime": "2025-01-01T00:00:00Z"})))
write("azure_graph", "addPassword-403",
      canned("addPassword", 403, compact({"error": {"code": "Authorization_RequestDenied",
                                                  "message": "Insufficient privileges to complete the operation."}}),
             [("request-id", "r-3")]))
write("azure_graph", "addPassword-limit",
      canned("addPassword", 400, compact({"error": {"code": "TooManyPasswords",
                                                  "message": "The number of password credentials exceeds the limit"}})))
write("azure_graph", "removePassword", canned("removePassword", 204, ""))
write("azure_graph", "removePassword-gone",
      canned("removePassword", 400, compact({"error": {"code": "Request_BadRequest",
                                                     "message": "No password credential found with keyId x."}})))
write("azure_graph", "throttled",
      canned("findByAppId", 429, compact({"error": {"code": "TooManyRequests", "message": "throttled"}}),
             [("Retry-After", "1")]))
write("azure_graph", "token", canned("token", 200, compact({"token_type": "Bearer", "expires_in": 3599,
                                                           "ext_expires_in": 3599, "access_token": "eyJ0eXAi.fake.token"})))
write("azure_graph", "token-invalid-client",
      canned("token", 401, compact({"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
                                    "error_codes": [7000215], "timestamp": "2025-01-01 00:00:00Z",
                                    "trace_id": "t", "correlation_id": "c"})))
write("azure_graph", "token-tenant", canned("token", 400, compact({"error": "invalid_request", "error_codes": [90002, 900023]})))
write("azure_graph", "retryAfter", canned("retryAfter", 200, "120"))

# ---- aws_xml and aws_iam (docs/aws-iam.md; tools/fake-aws) ----
NS = 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"'
STS = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
list_keys = ('<ListAccessKeysResponse %s>\n  <ListAccessKeysResult>\n    <UserName>rotated-user</UserName>\n'
             '    <AccessKeyMetadata>\n      <member>\n        <UserName>rotated-user</UserName>\n'
             '        <AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>\n        <Status>Active</Status>\n'
             '        <CreateDate>2015-03-09T18:39:23.411Z</CreateDate>\n      </member>\n      <member>\n'
             '        <UserName>rotated-user</UserName>\n        <AccessKeyId>AKIAI44QH8DHBEXAMPLE</AccessKeyId>\n'
             '        <Status>Inactive</Status>\n        <CreateDate>2020-10-13T17:38:43Z</CreateDate>\n      </member>\n'
             '    </AccessKeyMetadata>\n    <IsTruncated>false</IsTruncated>\n  </ListAccessKeysResult>\n'
             '  <ResponseMetadata>\n    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n'
             '  </ResponseMetadata>\n</ListAccessKeysResponse>\n') % NS
list_truncated = list_keys.replace("<IsTruncated>false</IsTruncated>",
                                   "<IsTruncated>true</IsTruncated>\n    <Marker>page-2</Marker>")
create_key = ('<CreateAccessKeyResponse %s><CreateAccessKeyResult><AccessKey><UserName>rotated-user</UserName>'
              '<AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Active</Status>'
              '<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>'
              '<CreateDate>2020-10-13T17:38:43+02:00</CreateDate></AccessKey></CreateAccessKeyResult>'
              '<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></CreateAccessKeyResponse>') % NS
delete_key = ('<DeleteAccessKeyResponse %s><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>'
              '</DeleteAccessKeyResponse>') % NS
update_key = delete_key.replace("DeleteAccessKey", "UpdateAccessKey")
caller = ('<GetCallerIdentityResponse %s>\n<GetCallerIdentityResult>\n<Arn>arn:aws:iam::123456789012:user/rotated-user</Arn>\n'
          '<UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n<Account>123456789012</Account>\n</GetCallerIdentityResult>\n'
          '<ResponseMetadata><RequestId>r-3</RequestId></ResponseMetadata>\n</GetCallerIdentityResponse>\n') % STS
assume = ('<AssumeRoleResponse %s><AssumeRoleResult><SourceIdentity>x</SourceIdentity><AssumedRoleUser>'
          '<Arn>arn:aws:sts::123456789012:assumed-role/rotator/keeper-rotate</Arn><AssumedRoleId>AROA3XFRBF23:keeper-rotate'
          '</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>'
          '<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>'
          '<SessionToken>IQoJb3JpZ2luX2VjEXAMPLETOKEN==</SessionToken><Expiration>2025-01-01T00:15:00Z</Expiration>'
          '</Credentials><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata>'
          '<RequestId>r-4</RequestId></ResponseMetadata></AssumeRoleResponse>') % STS
err = lambda code, msg: ('<ErrorResponse %s>\n  <Error>\n    <Type>Sender</Type>\n    <Code>%s</Code>\n'
                         '    <Message>%s</Message>\n  </Error>\n  <RequestId>r-err</RequestId>\n</ErrorResponse>\n') % (NS, code, msg)
limit = err("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
no_entity = err("NoSuchEntity", "The Access Key with id AKIAOLD cannot be found.")
throttle = err("Throttling", "Rate exceeded")
bare_error = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>denied &amp; logged</Message><RequestId>r-5</RequestId></Error>'
for name, body in [("list-keys", list_keys), ("create-key", create_key), ("caller", caller), ("assume-role", assume),
                   ("error-limit", limit), ("error-bare", bare_error),
                   ("cdata-and-prefix", '<?xml version="1.0"?><a:R xmlns:a="urn:x"><a:T><![CDATA[x<y]]></a:T><!-- c --></a:R>'),
                   # XML's own rules, as the SDK's reader implements them: a byte order mark, the full declaration,
                   # line ends, character and entity references, processing instructions, attributes, scopes.
                   ("refs-and-line-ends", '\ufeff<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                                          '<?pi data?><R>a\r\nb\rc&#13;&#x1F600;&lt;&amp;&gt;&quot;&apos;</R>\r\n'),
                   ("attributes-and-scopes", '<a:R xmlns:a="urn:x" xmlns="urn:d" k=\'v&amp;\' a:k="2">'
                                             '<b:T xmlns:b="urn:y" b:x="1"/><a:U><?p?>t</a:U></a:R>')]:
    write("aws_xml", name, body)
for name, body in [("ListAccessKeys", list_keys), ("ListAccessKeys-truncated", list_truncated),
                   ("CreateAccessKey", create_key), ("DeleteAccessKey", delete_key), ("UpdateAccessKey", update_key),
                   ("GetCallerIdentity", caller), ("AssumeRole", assume)]:
    write("aws_iam", name, canned(name.split("-")[0], 200, body, [("x-amzn-RequestId", "r-0")]))
write("aws_iam", "CreateAccessKey-limit", canned("CreateAccessKey", 409, limit))
write("aws_iam", "DeleteAccessKey-gone", canned("DeleteAccessKey", 404, no_entity))
write("aws_iam", "ListAccessKeys-throttled", canned("ListAccessKeys", 400, throttle, [("Retry-After", "0")]))
write("aws_iam", "GetCallerIdentity-503", canned("GetCallerIdentity", 503, "Service Unavailable"))
write("aws_iam", "AssumeRole-denied", canned("AssumeRole", 403, bare_error))
for i, text in enumerate(["2015-03-09T18:39:23.411Z", "2020-10-13T17:38:43Z", "2020-10-13T17:38:43-05:30",
                          "2020-10-13T17:38:43+00:00", "not a date"]):
    write("aws_iam", "normaliseIsoDate-%d" % i, canned("normaliseIsoDate", 200, text))
for i, text in enumerate(["AKIA1, AKIA2", "AKIA1,AKIA2,,  AKIA3 ", "", "rotated-user"]):
    write("aws_iam", "splitKeyIds-%d" % i, canned("splitKeyIds", 200, text))
# ---- json: KeeperRotate::json on the documents it replaces Poco::JSON for, and the grammar's corners ----
write("json", "ksm-record", compact(pam_user))
write("json", "ksm-record-padded", compact(pam_user).ljust(1024))
write("json", "ksm-record-indented", json.dumps(aws_user, indent=1))
write("json", "get-secret-answer", compact(get_secret_answer))
write("json", "gateway-input", json.dumps(gw, indent=2))
write("json", "graph-application", json.dumps(app, indent=2))
write("json", "token-error", compact({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client "
                                      "secret provided.\r\nTrace ID: x", "error_codes": [7000215]}))
write("json", "numbers", "[0,-0,1.0,1E+2,1e-7,-1.5e300,12345678901234567890,9223372036854775807,"
                         "-9223372036854775808,1e400,0.000001]")
write("json", "escapes", r'["\"\\\/\b\f\n\r\t","\u0000\u001f\u007f","\u00e9\u20AC\ud83d\ude00",'
                         r'"\ud800","\udc00x","\uDBFF\ud800\udfff"]')
write("json", "unicode-raw", json.dumps({"\u043f\u0430\u0440\u043e\u043b\u044c": "\u5bc6\u7801 \U0001F600 caf\u00e9",
                                         "max": "\U0010FFFF"}, ensure_ascii=False))
write("json", "nested", '[[[[{"a":[{"b":{"c":[[]]}}]}]]]]')
write("json", "scalar-string", '  "just a string"\r\n')
write("json", "scalar-number", "-1.5e-10")
write("json", "empty-containers", ' { "a" : [ ] , "b" : { } , "c" : [ { } ] } ')
print("seeds written to", CORPUS)
