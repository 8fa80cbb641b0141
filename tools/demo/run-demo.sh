#!/usr/bin/env bash
# run-demo.sh [BUILD_DIR] — the main job end to end on this machine, nothing real touched.
#
# Starts three local fakes, each with real HTTPS and its own throw-away test CA on 127.0.0.1:
#   tools/fake-entra  Entra ID token endpoint + Microsoft Graph, seeded with an admin app and a target app
#                     ("Payroll API") that has one existing secret;
#   tools/fake-aws    AWS IAM + STS, seeded with an admin user and an IAM user ("payroll-deployer") that has one
#                     access key;
#   tools/fake-ksm    Keeper Secrets Manager, holding both PAM User records in a shared folder.
# Binds a KSM device with `keeper-rotate ksm init` (one-time token), then runs exactly what the Keeper Gateway
# runs, one base64 line on stdin of `keeper-rotate azure-app-secret`, twice:
#   1. a rehearsal (the PAM User's `record_writer` = `stdout`): the new secret is created, proven, shown redacted
#      and removed again; the old secret and the vault record stay as they were;
#   2. the rotation (default writer `ksm`): create, prove, store in the vault record and read back, then delete the
#      old secret (`old_secrets` default `delete-all`).
# Then it rotates the AWS access key the same way, once, with `keeper-rotate aws-iam-access-key` (default writer
# `ksm`, `old_keys` default `delete`).
# After each run the script checks the outcome in the fakes, proves that the secret now stored in Keeper signs in
# (at Entra ID; at STS with curl's own SigV4 signing), and scans every output for secret values. Exit code: 0 when
# all checks pass.
set -euo pipefail
exec 2>&1  # one stream: narration, the host's log and its summary lines appear in order

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
host=$build/bin/keeper-rotate
plugins=$build/lib/keeper-rotate/plugins

say() { printf '\n== %s\n' "$*"; }
die() { echo "run-demo: $*"; exit 1; }
for need in "$host" "$build/bin/fake-entra" "$build/bin/fake-aws" "$build/bin/fake-ksm" \
            "$plugins/provider-azure-app-secret.so" "$plugins/provider-aws-iam-access-key.so" \
            "$plugins/writer-ksm.so" "$plugins/writer-stdout.so" "$plugins/source-attached-record.so"; do
  [ -e "$need" ] || die "$need is missing. Build first: cmake --preset default && cmake --build --preset default"
done
for tool in curl jq openssl; do
  command -v "$tool" >/dev/null || die "'$tool' is needed by the demo's checks (apt-get install $tool)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/keeper-rotate-demo.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
umask 077
# The crash journal (ids of credentials created and not yet stored) goes with the demo's throw-away state.
export KEEPER_ROTATE_STATE_DIR=$work/state

# Throw-away values, random per run: nothing here is a real or reusable credential.
rand() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }
tenant=7b3a2c1d-0000-4000-8000-00000000d3e0
admin_app=a0a0a0a0-1111-4111-8111-000000000001
target_obj=0b0b0b0b-2222-4222-8222-000000000002
target_app=c0c0c0c0-3333-4333-8333-000000000003
old_key=d0d0d0d0-4444-4444-8444-000000000004
admin_secret="adm~$(rand)"
old_secret="old~$(rand)"
user_uid=DemoPamUser00000000001
config_uid=DemoPamConfig000000001
folder_uid=DemoSharedFolder000001
# AWS: an access key id is AKIA + 16 upper-case letters/digits, its secret 40 characters of [A-Za-z0-9/+].
aws_id() { printf 'AKIA%s' "$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Z2-7' | head -c 16)"; }
aws_secret() { head -c 60 /dev/urandom | base64 -w0 | tr -d '=' | head -c 40; }
aws_admin_id=$(aws_id)
aws_admin_secret=$(aws_secret)
aws_old_id=$(aws_id)
aws_old_secret=$(aws_secret)
aws_user=payroll-deployer
aws_user_uid=DemoAwsPamUser00000001
aws_config_uid=DemoAwsPamConfig000001

cat > "$work/entra-seed.json" <<JSON
{"tenants":[{"id":"$tenant","domains":["demo.example"],"apps":[
  {"id":"e0e0e0e0-5555-4555-8555-000000000005","appId":"$admin_app","displayName":"Keeper rotation admin",
   "permissions":["Application.ReadWrite.All"],
   "passwords":[{"displayName":"admin secret","secretText":"$admin_secret","lifetimeDays":365}]},
  {"id":"$target_obj","appId":"$target_app","displayName":"Payroll API",
   "passwords":[{"keyId":"$old_key","displayName":"current secret","secretText":"$old_secret","lifetimeDays":30}]}
]}]}
JSON
cat > "$work/ksm-seed.json" <<JSON
{"folders":[{"uid":"$folder_uid"}],
 "records":[{"uid":"$user_uid","folderUid":"$folder_uid","data":{
   "title":"Payroll API secret","type":"pamUser",
   "fields":[{"type":"login","value":["payroll-api"]},{"type":"password","value":["gateway-generated"]}],
   "custom":[{"type":"text","label":"application_object_id","value":["$target_obj"]},
             {"type":"text","label":"client_secret_id","value":["$old_key"]},
             {"type":"secret","label":"client_secret","value":["$old_secret"]},
             {"type":"text","label":"NOOP","value":["True"]}]}},
  {"uid":"$aws_user_uid","folderUid":"$folder_uid","data":{
   "title":"payroll-deployer access key","type":"pamUser",
   "fields":[{"type":"login","value":["$aws_user"]},{"type":"password","value":["gateway-generated"]}],
   "custom":[{"type":"text","label":"aws_access_key_id","value":["$aws_old_id"]},
             {"type":"secret","label":"aws_secret_access_key","value":["$aws_old_secret"]},
             {"type":"text","label":"NOOP","value":["True"]}]}}]}
JSON
cat > "$work/aws-seed.json" <<JSON
{"account":{"accountId":"123456789012","partition":"aws"},
 "users":[{"userName":"keeper-rotation-admin","permissions":["iam:ListAccessKeys","iam:CreateAccessKey","iam:DeleteAccessKey"],
           "keys":[{"accessKeyId":"$aws_admin_id","secretAccessKey":"$aws_admin_secret"}]},
          {"userName":"$aws_user","keys":[{"accessKeyId":"$aws_old_id","secretAccessKey":"$aws_old_secret"}]}],
 "consistency":{"rejectFirstAttempts":2}}
JSON

# start NAME ARGS...: run a fake in the background and wait for its one-line JSON "ready" report (in
# $work/NAME.out). Called in this shell, never in $(...): a subshell would keep the pid from cleanup, and the fake
# would outlive the demo.
start() {
  local name=$1
  shift
  "$build/bin/$name" "$@" > "$work/$name.out" 2> "$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 100); do
    [ -s "$work/$name.out" ] && return
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.err"; die "$name did not start"; }
    sleep 0.1
  done
  die "$name did not report ready within 10 s"
}

say "Starting fake Entra ID + Graph, fake AWS IAM + STS and fake Keeper Secrets Manager on 127.0.0.1"
start fake-entra --seed "$work/entra-seed.json" --dir "$work/entra-ca"
start fake-aws --seed "$work/aws-seed.json" --dir "$work/aws-ca"
start fake-ksm --seed "$work/ksm-seed.json" --dir "$work/ksm-ca"
entra=$(head -n1 "$work/fake-entra.out")
aws=$(head -n1 "$work/fake-aws.out")
ksm=$(head -n1 "$work/fake-ksm.out")
entra_url=$(jq -r .baseUrl <<<"$entra")
aws_url=$(jq -r .baseUrl <<<"$aws")
ksm_host=$(jq -r .hostname <<<"$ksm")
# keeper-rotate trusts what SSL_CERT_FILE names (never anything less verified): here the three test CAs.
cat "$(jq -r .caFile <<<"$entra")" "$(jq -r .caFile <<<"$aws")" "$(jq -r .caFile <<<"$ksm")" > "$work/test-cas.pem"
export SSL_CERT_FILE=$work/test-cas.pem
printf 'Authorization: Bearer %s\n' "$(jq -r .adminToken <<<"$ksm")" > "$work/ksm-admin.header"
echo "fake Entra ID + Graph: $entra_url"
echo "fake AWS IAM + STS:    $aws_url"
echo "fake KSM:              https://$ksm_host (PAM Users $user_uid, $aws_user_uid in shared folder $folder_uid)"

say "keeper-rotate ksm init: bind a one-time access token (config written with mode 0600)"
# The token goes in KSM_TOKEN, for this one command only: never in argv, where other local users could read it.
KSM_TOKEN=$(jq -r .token <<<"$ksm") "$host" ksm init --hostname "$ksm_host" \
  --server-public-key-id "$(jq -r .serverPublicKeyId <<<"$ksm")" \
  --server-public-key "$(jq -r .serverPublicKey <<<"$ksm")" --out "$work/ksm-config.json"
echo "config: $(stat -c '%a %n' "$work/ksm-config.json")"

# The Gateway's input: the PAM User record as the Gateway flattens it, the attached admin-app record and the
# PAM Configuration. EXTRA adds fields to the PAM User dict.
gateway_input() {
  local extra=$1
  local pam_user admin_rec config_rec
  pam_user=$(printf '{"uid":"%s","title":"Payroll API secret","login":"payroll-api","application_object_id":"%s","client_secret_id":"%s","azure_authority_host":"%s","azure_graph_endpoint":"%s","verify_timeout_seconds":"30","verify_successes":"2"%s}' \
    "$user_uid" "$target_obj" "$old_key" "$entra_url" "$entra_url" "$extra")
  admin_rec=$(printf '{"uid":"DemoAdminRecord0000001","title":"Keeper rotation admin","application_client_id":"%s","client_secret":"%s","tenant_id":"%s"}' \
    "$admin_app" "$admin_secret" "$tenant")
  config_rec=$(printf '{"uid":"%s","title":"Azure PAM configuration"}' "$config_uid")
  "$root/tools/demo/make-input.sh" "$user_uid" "$config_uid" "$pam_user" "$admin_rec" "$config_rec"
}

# run NAME EXTRA: one Gateway-style run; leaves NAME.stdout / NAME.stderr / NAME.rc in $work.
run() {
  gateway_input "$2" > "$work/$1.input"
  say "keeper-rotate azure-app-secret --ksm-config ... < gateway input   ($1)"
  set +e
  KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS=300 \
    "$host" azure-app-secret --ksm-config "$work/ksm-config.json" /attached/script.sh \
    < "$work/$1.input" > "$work/$1.stdout" 2> "$work/$1.stderr"
  echo $? > "$work/$1.rc"
  set -e
  cat "$work/$1.stderr"
  echo "--- stdout (the summary line):"
  cat "$work/$1.stdout"
  echo "--- exit code: $(cat "$work/$1.rc")"
}

failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
entra_keys() {  # key ids of the target app, from the fake's state (key ids only, never secret values)
  curl -sf --cacert "$SSL_CERT_FILE" "$entra_url/_fake/state" |
    jq -r --arg id "$target_obj" '.. | objects | select(.id? == $id) | .passwordCredentials[]?.keyId'
}
vault_field() {  # vault_field LABEL [RECORD_UID]: a PAM User's custom field value as stored in fake KSM
  curl -sf --cacert "$SSL_CERT_FILE" -H @"$work/ksm-admin.header" "https://$ksm_host/admin/record/${2:-$user_uid}" |
    jq -r --arg l "$1" '.data.custom[] | select(.label == $l) | .value[0]'
}
has_key() { entra_keys | grep -qxF "$1"; }
lacks_key() { ! has_key "$1"; }
summary() { jq -r "$2 // empty" "$work/$1.stdout"; }

run rehearsal ',"record_writer":"stdout"'
say "Checks after the rehearsal"
check "exit code 0, status rehearsed" test "$(cat "$work/rehearsal.rc")/$(summary rehearsal .status)" = "0/rehearsed"
rehearsal_key=$(summary rehearsal .keyId)
check "the rehearsal's new secret ${rehearsal_key:-?} was removed again" lacks_key "${rehearsal_key:-none}"
check "the old secret $old_key is untouched" has_key "$old_key"
check "the vault record still holds the old key id" test "$(vault_field client_secret_id)" = "$old_key"

run rotation ''
say "Checks after the rotation"
check "exit code 0, status rotated" test "$(cat "$work/rotation.rc")/$(summary rotation .status)" = "0/rotated"
new_key=$(summary rotation .keyId)
check "Entra ID has the new secret ${new_key:-?}" has_key "${new_key:-none}"
check "the old secret $old_key was deleted (old_secrets: delete-all)" lacks_key "$old_key"
check "the vault record holds the new key id" test "$(vault_field client_secret_id)" = "$new_key"
check "the vault record holds the expiry" test "$(vault_field expires)" = "$(summary rotation .expires)"
# The secret Keeper now holds must sign in. The request body (with the secret) goes through a 0600 file, never argv.
stored_secret=$(vault_field client_secret)
{
  printf 'grant_type=client_credentials&client_id=%s&scope=%s&client_secret=' "$target_app" "$entra_url/.default"
  jq -rn --arg s "$stored_secret" '$s|@uri'
} | tr -d '\n' > "$work/token-request"
token_ok() {
  curl -sf --cacert "$SSL_CERT_FILE" --data-binary @"$work/token-request" \
    "$entra_url/$tenant/oauth2/v2.0/token" | jq -e '.access_token | length > 0' >/dev/null
}
check "the secret stored in Keeper signs in at Entra ID" token_ok
check "the stored secret is new" test "$stored_secret" != "$old_secret"

# ---- AWS: the IAM user's access key, rotated once through fake AWS and stored in the second PAM User record ----
aws_input() {
  local pam_user admin_rec config_rec
  pam_user=$(printf '{"uid":"%s","title":"payroll-deployer access key","login":"%s","aws_access_key_id":"%s","aws_iam_endpoint":"%s","aws_sts_endpoint":"%s","aws_region":"us-east-1","verify_timeout_seconds":"30","verify_successes":"2"}' \
    "$aws_user_uid" "$aws_user" "$aws_old_id" "$aws_url" "$aws_url")
  admin_rec=$(printf '{"uid":"DemoAwsAdminRecord0001","title":"AWS rotation admin","aws_access_key_id":"%s","aws_secret_access_key":"%s"}' \
    "$aws_admin_id" "$aws_admin_secret")
  config_rec=$(printf '{"uid":"%s","title":"AWS PAM configuration","awsId":"demo"}' "$aws_config_uid")
  "$root/tools/demo/make-input.sh" "$aws_user_uid" "$aws_config_uid" "$pam_user" "$admin_rec" "$config_rec"
}
aws_input > "$work/aws-rotation.input"
say "keeper-rotate aws-iam-access-key --ksm-config ... < gateway input   (aws-rotation)"
set +e
KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS=300 AWS_EC2_METADATA_DISABLED=true \
  "$host" aws-iam-access-key --ksm-config "$work/ksm-config.json" \
  < "$work/aws-rotation.input" > "$work/aws-rotation.stdout" 2> "$work/aws-rotation.stderr"
echo $? > "$work/aws-rotation.rc"
set -e
cat "$work/aws-rotation.stderr"
echo "--- stdout (the summary line):"
cat "$work/aws-rotation.stdout"
echo "--- exit code: $(cat "$work/aws-rotation.rc")"

say "Checks after the AWS rotation"
aws_keys() {  # access key ids of the IAM user, from the fake's state (never a secret)
  curl -sf --cacert "$SSL_CERT_FILE" "$aws_url/_fake/state" |
    jq -r --arg u "$aws_user" '.users[] | select(.userName == $u) | .keys[].accessKeyId'
}
check "exit code 0, status rotated" \
  test "$(cat "$work/aws-rotation.rc")/$(summary aws-rotation .status)" = "0/rotated"
aws_new_id=$(summary aws-rotation .keyId)
check "IAM user $aws_user has exactly the new key ${aws_new_id:-?}" test "$(aws_keys)" = "${aws_new_id:-none}"
check "the vault record holds the new key id" test "$(vault_field aws_access_key_id "$aws_user_uid")" = "$aws_new_id"
check "the vault record names the deleted key" \
  test "$(vault_field Access_Key_ID_Removed_during_previous_rotation "$aws_user_uid")" = "$aws_old_id"
# The key Keeper now holds must sign: STS GetCallerIdentity with curl's own SigV4 implementation (an independent
# signer). The key goes to curl through a 0600 config file, never argv.
aws_stored_secret=$(vault_field aws_secret_access_key "$aws_user_uid")
printf 'user = "%s:%s"\n' "$aws_new_id" "$aws_stored_secret" > "$work/sts-auth"
sts_identity() {
  curl -sf --cacert "$SSL_CERT_FILE" -K "$work/sts-auth" --aws-sigv4 "aws:amz:us-east-1:sts" \
    -H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' \
    --data 'Action=GetCallerIdentity&Version=2011-06-15' "$aws_url/"
}
sts_signs_as_user() { sts_identity | grep -qF ":user/$aws_user<"; }
check "the access key stored in Keeper signs STS GetCallerIdentity as $aws_user" sts_signs_as_user
check "the stored secret is new" test "$aws_stored_secret" != "$aws_old_secret"

leaks=0
for s in "$admin_secret" "$old_secret" "$stored_secret" "$aws_admin_secret" "$aws_old_secret" "$aws_stored_secret"; do
  grep -qF -- "$s" "$work"/*.stdout "$work"/*.stderr && leaks=1
done
check "no secret value in any stdout or stderr" test $leaks -eq 0
unset stored_secret aws_stored_secret
rm -f "$work/sts-auth"

if [ $failed -ne 0 ]; then
  echo "Demo FAILED (see above)."
  exit 1
fi
echo
echo "Demo passed: rehearsal left everything as it was; each rotation (Azure app secret, AWS access key) stored a"
echo "proven new credential in Keeper, read it back, and only then deleted the old one."
