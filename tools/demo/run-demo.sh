#!/usr/bin/env bash
# run-demo.sh [BUILD_DIR] — the main job end to end on this machine, with nothing real touched.
#
# What it runs: a local fake of Entra ID + Microsoft Graph (tools/fake-entra, real HTTPS with a throw-away test
# CA on 127.0.0.1), seeded with an admin app and a target app that has one existing secret. Then exactly what the
# Keeper Gateway does: one base64 line on stdin of `keeper-rotate azure-app-secret`, with the PAM User record,
# an attached admin record (credential source `attached-record`) and the PAM Configuration in `records`.
#
# The PAM User sets `record_writer` = `stdout`, so this is a rehearsal (CONTRACT §5): the new secret is created in
# the fake Entra ID, proven by signing in with it, shown with its value redacted, then removed again; the old
# secret is never touched. Storing into Keeper (the `ksm` writer) needs a KSM application and is not part of this
# demo. Exit code: keeper-rotate's, after the demo's own checks (status "rehearsed", old secret still there, no
# secret value in any output).
set -euo pipefail
exec 2>&1  # one stream, so the narration, the host's log and its summary line appear in order

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
host=$build/bin/keeper-rotate
fake=$build/bin/fake-entra
plugins=$build/lib/keeper-rotate/plugins

say() { printf '\n== %s\n' "$*" >&2; }
for need in "$host" "$fake" "$plugins/provider-azure-app-secret.so" "$plugins/writer-stdout.so" \
            "$plugins/source-attached-record.so"; do
  if [ ! -e "$need" ]; then
    echo "run-demo: $need is missing. Build first: cmake --preset default && cmake --build --preset default" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/keeper-rotate-demo.XXXXXX")
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Throw-away demo values: random per run, so nothing here is a real or reusable credential.
rand() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }
tenant=7b3a2c1d-0000-4000-8000-00000000d3e0
admin_app=a0a0a0a0-1111-4111-8111-000000000001
target_obj=0b0b0b0b-2222-4222-8222-000000000002
target_app=c0c0c0c0-3333-4333-8333-000000000003
old_key=d0d0d0d0-4444-4444-8444-000000000004
admin_secret="adm~$(rand)"
old_secret="old~$(rand)"

cat > "$work/seed.json" <<JSON
{"tenants":[{"id":"$tenant","domains":["demo.example"],"apps":[
  {"id":"e0e0e0e0-5555-4555-8555-000000000005","appId":"$admin_app","displayName":"Keeper rotation admin",
   "permissions":["Application.ReadWrite.All"],
   "passwords":[{"displayName":"admin secret","secretText":"$admin_secret","lifetimeDays":365}]},
  {"id":"$target_obj","appId":"$target_app","displayName":"Payroll API",
   "passwords":[{"keyId":"$old_key","displayName":"current secret","secretText":"$old_secret","lifetimeDays":30}]}
]}]}
JSON

say "Starting the fake Entra ID / Graph server (tools/fake-entra) on 127.0.0.1"
"$fake" --seed "$work/seed.json" --dir "$work/ca" > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake.out" ] && break
  if ! kill -0 "$fake_pid" 2>/dev/null; then cat "$work/fake.err" >&2; exit 1; fi
  sleep 0.1
done
ready=$(head -n1 "$work/fake.out")
base_url=$(printf '%s' "$ready" | sed -n 's/.*"baseUrl":"\([^"]*\)".*/\1/p')
ca_file=$(printf '%s' "$ready" | sed -n 's/.*"caFile":"\([^"]*\)".*/\1/p')
[ -n "$base_url" ] && [ -n "$ca_file" ] || { echo "run-demo: fake-entra did not start: $ready" >&2; exit 1; }
echo "fake Entra ID + Graph at $base_url (test CA $ca_file)" >&2

say "Gateway input: PAM User 'Payroll API secret', attached admin record, PAM Configuration"
user_uid=DemoPamUser00000000001
config_uid=DemoPamConfig000000001
pam_user=$(printf '{"uid":"%s","title":"Payroll API secret","login":"payroll-api","application_object_id":"%s","client_secret_id":"%s","azure_authority_host":"%s","azure_graph_endpoint":"%s","verify_timeout_seconds":"30","verify_successes":"2","record_writer":"stdout"}' \
  "$user_uid" "$target_obj" "$old_key" "$base_url" "$base_url")
admin_rec=$(printf '{"uid":"DemoAdminRecord0000001","title":"Keeper rotation admin","application_client_id":"%s","client_secret":"%s","tenant_id":"%s"}' \
  "$admin_app" "$admin_secret" "$tenant")
config_rec=$(printf '{"uid":"%s","title":"Local network"}' "$config_uid")
"$root/tools/demo/make-input.sh" "$user_uid" "$config_uid" "$pam_user" "$admin_rec" "$config_rec" > "$work/input.b64"
echo "record_writer=stdout (rehearsal), credential_source: default chain (attached-record wins)" >&2

say "keeper-rotate azure-app-secret < input   (what the Gateway runs)"
set +e
SSL_CERT_FILE=$ca_file "$host" azure-app-secret < "$work/input.b64" > "$work/stdout" 2> "$work/stderr"
rc=$?
set -e
cat "$work/stderr" >&2
echo "--- stdout (the summary line):" >&2
cat "$work/stdout"
echo "--- exit code: $rc" >&2

say "Checks"
failed=0
if grep -q '"status":"rehearsed"' "$work/stdout"; then echo "ok: status rehearsed" >&2; else echo "FAIL: no status rehearsed" >&2; failed=1; fi
for s in "$admin_secret" "$old_secret"; do
  if grep -qF -- "$s" "$work/stdout" "$work/stderr"; then echo "FAIL: a secret value appears in the output" >&2; failed=1; fi
done
[ $failed -eq 0 ] && echo "ok: no secret value in stdout or stderr" >&2
# Ask the fake for its directory (key ids only, never secret values) over the same verified TLS.
port=${base_url##*:}
state=$(printf 'GET /_fake/state HTTP/1.1\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$port" |
  openssl s_client -quiet -connect "127.0.0.1:$port" -servername localhost -CAfile "$ca_file" \
    -verify_return_error 2>/dev/null || true)
new_key=$(sed -n 's/.*"keyId":"\([^"]*\)".*/\1/p' "$work/stdout")
if printf '%s' "$state" | grep -qF "$old_key"; then echo "ok: the old secret $old_key is still there" >&2
else echo "FAIL: the old secret $old_key is gone" >&2; failed=1; fi
if [ -n "$new_key" ] && ! printf '%s' "$state" | grep -qF "$new_key"; then
  echo "ok: the rehearsal's new secret $new_key was removed again" >&2
else echo "FAIL: the rehearsal's new secret ${new_key:-(no keyId in summary)} is not removed" >&2; failed=1; fi
if [ $rc -ne 0 ] || [ $failed -ne 0 ]; then exit $(( rc != 0 ? rc : 1 )); fi
echo "Demo passed: the new secret was created, proven and removed again; the old one was never touched." >&2
