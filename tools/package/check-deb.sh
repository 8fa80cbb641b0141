#!/usr/bin/env bash
# check-deb.sh DEB — checks the Debian package made by `cpack` (cmake/Packaging.cmake) without installing it:
#   1. its control data (dpkg-deb -I): Depends names Debian's OpenSSL runtime package and no Poco package at all;
#   2. its files (dpkg-deb -c): the program, the six first-party plugins, the man page and the LICENSE under
#      /usr, and no bundled Poco or OpenSSL;
#   3. it would install here, changing nothing: apt-get --simulate resolves its dependencies (dpkg --dry-run alone
#      does not check them), dpkg --dry-run -i its unpacking;
#   4. unpacked into a scratch root (dpkg-deb -x), the program runs with the system's libraries and finds its
#      plugins relative to itself.
set -euo pipefail
deb=$(readlink -f "${1:?usage: check-deb.sh DEB}")
work=$(mktemp -d "${TMPDIR:-/tmp}/keeper-rotate-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
say() { printf '\n== %s\n' "$*"; }

say "1. control data ($(basename "$deb"), $(du -h "$deb" | cut -f1))"
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
depends_names=$(sed 's/([^)]*)//g; s/[,|]/\n/g' <<<"$depends" | tr -d ' ')
for pkg in libc6 libstdc++6 libssl3 ca-certificates; do
  grep -qxF "$pkg" <<<"$depends_names" || fail "Depends lacks $pkg: $depends"
done
# Nothing installed links a Poco library (the HTTPS client is on OpenSSL directly, the command line has its own
# parser, JSON is the SDK's KeeperRotate::json, the AWS XML the SDK's own reader): a dependency on one would mean it
# crept back in.
if grep -E '^libpoco' <<<"$depends_names"; then fail "Depends names a Poco package, which nothing should link: $depends"; fi

say "2. files"
dpkg-deb -c "$deb" | awk '{print $NF}' > "$work/files"
for f in ./usr/bin/keeper-rotate ./usr/share/doc/keeper-rotate/LICENSE ./usr/share/man/man1/keeper-rotate.1 \
         ./usr/lib/keeper-rotate/plugins/{provider-azure-app-secret,source-attached-record,source-env,source-pam-config,writer-ksm,writer-stdout}.so; do
  grep -qxF "$f" "$work/files" || fail "the package lacks $f"
done
if grep -E '/lib(Poco|ssl|crypto|pcre)[^/]*\.so' "$work/files"; then fail "the .deb bundles libraries"; fi
echo "$(grep -c -v '/$' "$work/files") files"

say "3. apt-get --simulate install, dpkg --dry-run -i"
apt-get install --simulate -q --no-install-recommends "$deb" < /dev/null ||
  fail "apt-get cannot satisfy the dependencies of $deb"
dpkg --dry-run -i "$deb" || fail "dpkg would not unpack $deb"
if dpkg-query -W keeper-rotate > /dev/null 2>&1; then
  echo "(keeper-rotate is installed on this machine: $(dpkg-query -W -f='${Version}' keeper-rotate))"
fi

say "4. unpacked into a scratch root"
dpkg-deb -x "$deb" "$work/root"
host=$work/root/usr/bin/keeper-rotate
if out=$("$host" --version 2>&1); then echo "ok: $out"; else fail "--version: $out"; fi
if out=$("$host" plugins list 2>&1); then
  n=$(grep -cE '^(provider|source|writer) ' <<<"$out" || true)
  # Every plugin file the package ships must load (and there are some: both providers at least).
  shipped=$(find "$work/root/usr/lib/keeper-rotate/plugins" -name '*.so' | wc -l)
  [ "$n" -eq "$shipped" ] && [ "$n" -ge 2 ] && grep -q '^provider aws-iam-access-key ' <<<"$out" &&
    grep -q '^provider azure-app-secret ' <<<"$out" &&
    echo "ok: plugins list shows all $n plugins from $work/root/usr/lib/keeper-rotate/plugins" ||
    fail "plugins list shows $n plugins, the package ships $shipped:\n$out"
else
  fail "plugins list: $out"
fi

if [ $failed -ne 0 ]; then
  echo; echo "check-deb: FAILED"; exit 1
fi
echo; echo "check-deb: all checks passed"
