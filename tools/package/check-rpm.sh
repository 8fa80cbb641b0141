#!/usr/bin/env bash
# check-rpm.sh RPM TARBALL — checks the .rpm made by `cpack` (cmake/Packaging.cmake) against the portable tarball
# from the same run (which tools/package/check-portable.sh checks in depth):
#   1. it requires only what EL9 has (glibc >= 2.34, libstdc++ >= 11, libgcc, ca-certificates) and
#      provides no shared library to other packages;
#   2. it installs into /opt/keeper-rotate, relocatably;
#   3. its payload is byte for byte the tarball's bundle.
# Needs rpm and rpm2archive (Debian package rpm).
set -euo pipefail
rpm=$(readlink -f "${1:?usage: check-rpm.sh RPM TARBALL}")
tarball=$(readlink -f "${2:?usage: check-rpm.sh RPM TARBALL}")
work=$(mktemp -d "${TMPDIR:-/tmp}/keeper-rotate-rpm.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
say() { printf '\n== %s\n' "$*"; }

say "1. requires and provides ($(basename "$rpm"), $(du -h "$rpm" | cut -f1))"
rpm -qp --requires "$rpm" | grep -v '^rpmlib(' | sort > "$work/requires"
cat "$work/requires"
printf '%s\n' ca-certificates 'glibc >= 2.34' libgcc 'libstdc++ >= 11' | sort > "$work/expected"
diff -u "$work/expected" "$work/requires" > /dev/null || fail "requires differ from: $(tr '\n' ',' < "$work/expected")"
rpm -qp --provides "$rpm" > "$work/provides"
if grep '\.so' "$work/provides"; then fail "the rpm provides shared libraries to other packages"; fi

say "2. prefix"
rpm -qpi "$rpm" | grep -E '^(Name|Version|Release|Architecture|License|Relocations)'
rpm -qpi "$rpm" | grep -qE '^Relocations *: /opt/keeper-rotate *$' || fail "not relocatable from /opt/keeper-rotate"
rpm -qpl "$rpm" | grep -v '^/opt/keeper-rotate' && fail "files outside /opt/keeper-rotate"

say "3. payload against the tarball"
mkdir "$work/rpm" "$work/tar"
cp "$rpm" "$work/pkg.rpm"
rpm2archive "$work/pkg.rpm"
tar -xzf "$work/pkg.rpm.tgz" -C "$work/rpm"
tar -xzf "$tarball" -C "$work/tar"
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
if diff <(sums "$work/rpm/opt/keeper-rotate") <(sums "$work/tar"/*/); then
  echo "ok: $(sums "$work/tar"/*/ | wc -l) files, identical"
else
  fail "the rpm's payload differs from the tarball's bundle"
fi

if [ $failed -ne 0 ]; then
  echo; echo "check-rpm: FAILED"; exit 1
fi
echo; echo "check-rpm: all checks passed"
