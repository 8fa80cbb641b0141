#!/usr/bin/env bash
# make-input.sh — print a Gateway-style input line (base64 of the JSON object, with `records` itself base64 JSON),
# exactly as the Keeper Gateway pipes it to a PAM script's stdin.
#
#   make-input.sh USER_UID CONFIG_UID PAM_USER_JSON [OTHER_RECORD_JSON...]
#
# Each *_JSON argument is one record dict: {"uid":...,"title":...,"<label>":"<value>",...}. The PAM User record's
# uid must be USER_UID. Nothing secret is passed on a command line in production: the Gateway writes this line to
# stdin; this helper exists for demos and manual tests with throw-away values only.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 USER_UID CONFIG_UID PAM_USER_JSON [OTHER_RECORD_JSON...]" >&2
  exit 2
fi
user_uid=$1 config_uid=$2
shift 2
records="["
sep=""
for r in "$@"; do
  records+="$sep$r"
  sep=","
done
records+="]"
records_b64=$(printf '%s' "$records" | base64 -w0)
printf '{"providerRecordUid":"%s","resourceRecordUid":"","userRecordUid":"%s","newPassword":"unused-by-this-script","oldPassword":"","user":"demo-app","records":"%s"}' \
  "$config_uid" "$user_uid" "$records_b64" | base64 -w0
echo
