#!/usr/bin/env bash
# template_rotation.sh HOST PLUGIN_DIR FAKE_KSM WORK_DIR
#
# The plugin framework's promise, end to end: a provider built out of tree against the installed SDK, with output
# labels of its own (example_key_id, example_secret) and an admin credential of its own declaration, rotates through
# the installed, unmodified host with the default `ksm` writer into a local fake Keeper Secrets Manager, and the
# vault record then holds exactly its results, with the secret in a hidden field. No first-party plugin knows the
# template's labels. Nothing real is contacted: fake-ksm listens on 127.0.0.1 with a throw-away test CA.
set -euo pipefail
host=$1 plugin_dir=$2 fake_ksm=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
umask 077

user_uid=TemplateUser0000000001
folder_uid=TemplateFolder00000001
cat > "$work/ksm-seed.json" <<JSON
{"folders":[{"uid":"$folder_uid"}],
 "records":[{"uid":"$user_uid","folderUid":"$folder_uid","data":{
   "title":"Example account","type":"pamUser",
   "fields":[{"type":"login","value":["acct-42"]},{"type":"password","value":["gateway-generated"]}],
   "custom":[{"type":"text","label":"example_account","value":["acct-42"]}]}}]}
JSON

pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
"$fake_ksm" --seed "$work/ksm-seed.json" --dir "$work/ksm-ca" > "$work/fake-ksm.out" 2> "$work/fake-ksm.err" &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake-ksm.out" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/fake-ksm.err"; exit 1; }
  sleep 0.1
done
ready=$(head -n1 "$work/fake-ksm.out")
[ -n "$ready" ] || { echo "fake-ksm did not report ready"; exit 1; }
field() { jq -r ".$1" <<<"$ready"; }
ksm_host=$(field hostname)
export SSL_CERT_FILE
SSL_CERT_FILE=$(field caFile)

"$host" ksm init --token "$(field token)" --hostname "$ksm_host" --server-public-key-id "$(field serverPublicKeyId)" \
  --server-public-key "$(field serverPublicKey)" --out "$work/ksm-config.json" > "$work/init.out" 2>&1 ||
  { cat "$work/init.out"; exit 1; }

# The Gateway's input: the PAM User (no record_writer: the default, durable ksm writer) and nothing else; the
# template's admin credential comes from the environment under the names it declares.
records=$(printf '[{"uid":"%s","title":"Example account","example_account":"acct-42","credential_source":"env"}]' \
  "$user_uid" | base64 -w0)
printf '{"providerRecordUid":"","userRecordUid":"%s","records":"%s"}' "$user_uid" "$records" > "$work/input.json"
admin_secret=template-admin-secret-value-0003
set +e
env -i PATH=/usr/bin:/bin SSL_CERT_FILE="$SSL_CERT_FILE" AZURE_CLIENT_ID=client-0002 AZURE_CLIENT_SECRET=$admin_secret \
  "$host" --plugin-dir "$plugin_dir" example --ksm-config "$work/ksm-config.json" --input "$work/input.json" \
  > "$work/run.out" 2> "$work/run.err"
rc=$?
set -e
cat "$work/run.err" "$work/run.out"

failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
record=$(curl -sf --cacert "$SSL_CERT_FILE" -H "Authorization: Bearer $(field adminToken)" \
  "https://$ksm_host/admin/record/$user_uid")
custom() {  # custom LABEL KEY: the value ("value") or type ("type") of the record's custom field LABEL
  jq -r --arg l "$1" --arg k "$2" '.data.custom[] | select(.label == $l) | if $k == "type" then .type else .value[0] end' \
    <<<"$record"
}
check "exit code 0" test "$rc" -eq 0
check "status rotated" grep -q '"status":"rotated"' "$work/run.out"
check "the record holds the template's key id" test "$(custom example_key_id value)" = "example-key-1"
check "the template's secret is stored" test "$(custom example_secret value)" = "not-a-real-secret"
check "in a hidden (secret) field" test "$(custom example_secret type)" = "secret"
check "the key id in a text field" test "$(custom example_key_id type)" = "text"
check "the record's other fields are kept" test "$(custom example_account value)" = "acct-42"
check "no Azure-shaped field appeared" test -z "$(custom client_secret_id value)"
leak=0
for s in "$admin_secret" not-a-real-secret; do grep -qF -- "$s" "$work/run.out" "$work/run.err" && leak=1; done
check "no secret value in stdout or stderr" test $leak -eq 0
exit $failed
