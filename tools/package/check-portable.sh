#!/usr/bin/env bash
# check-portable.sh TARBALL [BUILD_DIR] — checks the portable bundle made by `cpack` (cmake/Packaging.cmake):
#   1. every ELF file it ships needs at most GLIBC_2.34, GLIBCXX_3.4.29 and CXXABI_1.3.13 (objdump -T): what
#      Rocky/RHEL 9 (glibc 2.34, GCC 11) provide;
#   2. it ships none of the libraries the target system must provide (glibc, libstdc++, libgcc_s, zlib, expat);
#   3. ldd resolves every library of every ELF file, Poco, OpenSSL and PCRE inside the bundle's lib/; every ELF
#      file has a $ORIGIN-relative DT_RPATH (searched before LD_LIBRARY_PATH) that leads to lib/, and no DT_RUNPATH;
#   4. the unpacked bundle runs the demo (tools/demo/run-demo.sh) with the system's Poco, OpenSSL and PCRE out of
#      reach: every keeper-rotate run happens in a private mount namespace in which /dev/null is bind-mounted over
#      each of those library files and an empty tmpfs over /usr/lib/ssl (Debian's OpenSSL directory, which EL9
#      lacks). The fakes (test tools from BUILD_DIR, default ./build) run outside, with the system's libraries.
# Needs objdump (binutils), ldd, unshare and mount (util-linux); root, or unprivileged user namespaces.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=$(readlink -f "${1:?usage: check-portable.sh TARBALL [BUILD_DIR]}")
build=$(cd "${2:-$root/build}" && pwd)

max_glibc=2.34
max_glibcxx=3.4.29
max_cxxabi=1.3.13

work=$(mktemp -d "${TMPDIR:-/tmp}/keeper-rotate-portable.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
say() { printf '\n== %s\n' "$*"; }

tar -xzf "$tarball" -C "$work"
bundle=$(find "$work" -mindepth 1 -maxdepth 1 -type d)
[ "$(wc -l <<<"$bundle")" -eq 1 ] || { echo "FAIL: expected one top-level directory in $tarball"; exit 1; }
echo "bundle: $(basename "$tarball") ($(du -h "$tarball" | cut -f1) packed, $(du -sh "$bundle" | cut -f1) unpacked)"

is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
elves=()
while IFS= read -r -d '' f; do is_elf "$f" && elves+=("$f"); done < <(find "$bundle" -type f -print0 | sort -z)
[ "${#elves[@]}" -gt 0 ] || { echo "FAIL: no ELF files in the bundle"; exit 1; }

say "1. symbol versions (objdump -T; at most GLIBC_$max_glibc, GLIBCXX_$max_glibcxx, CXXABI_$max_cxxabi)"
newest() {  # newest PREFIX FILE: the highest PREFIX_x.y version FILE's dynamic symbols refer to, or "-"
  objdump -T "$2" | grep -o "\b$1_[0-9][0-9.]*" | sed "s/^$1_//" | sort -uV | tail -n1 | grep . || echo -
}
within() { [ "$1" = - ] || [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n1)" = "$2" ]; }
printf '%-52s %-8s %-9s %s\n' file GLIBC GLIBCXX CXXABI
for f in "${elves[@]}"; do
  g=$(newest GLIBC "$f"); x=$(newest GLIBCXX "$f"); a=$(newest CXXABI "$f")
  printf '%-52s %-8s %-9s %s\n' "${f#"$bundle"/}" "$g" "$x" "$a"
  within "$g" "$max_glibc" || fail "${f#"$bundle"/} needs GLIBC_$g"
  within "$x" "$max_glibcxx" || fail "${f#"$bundle"/} needs GLIBCXX_$x"
  within "$a" "$max_cxxabi" || fail "${f#"$bundle"/} needs CXXABI_$a"
done

say "2. no bundled system libraries"
forbidden=$(find "$bundle" \( -name 'libc.so*' -o -name 'libm.so*' -o -name 'ld-linux*' -o -name 'libstdc++*' \
  -o -name 'libgcc_s*' -o -name 'libz.so*' -o -name 'libexpat*' -o -name 'libpthread*' -o -name 'libdl.so*' \))
if [ -n "$forbidden" ]; then fail "the bundle ships system libraries: $forbidden"; else echo "ok"; fi

say "3. ldd: everything resolves; OpenSSL from the bundle"
bundled_re='^(libPoco[A-Za-z]+\.so\.[0-9]+|libssl\.so\.3|libcrypto\.so\.3|libpcre\.so\.3)$'
for f in "${elves[@]}"; do
  out=$(env -u LD_LIBRARY_PATH ldd "$f" 2>&1) || { fail "ldd ${f#"$bundle"/}: $out"; continue; }
  grep -q 'not found' <<<"$out" && fail "${f#"$bundle"/}: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ')"
  while read -r name _ path _; do
    if [[ $name =~ $bundled_re ]] && [ "$(readlink -f "$path")" != "$bundle/lib/$name" ]; then
      fail "${f#"$bundle"/}: $name resolves to $path, not to the bundle's lib/"
    fi
  done < <(grep '=>' <<<"$out")
done
ldd "$bundle/libexec/keeper-rotate" | sed "s|$bundle|<bundle>|"
for f in "${elves[@]}"; do
  dyn=$(readelf -d "$f")
  rpath=$(sed -n 's/.*(RPATH).*\[\(.*\)\]$/\1/p' <<<"$dyn")
  grep -q '(RUNPATH)' <<<"$dyn" && fail "${f#"$bundle"/} has a DT_RUNPATH (LD_LIBRARY_PATH would come first)"
  case $rpath in
    '$ORIGIN'|'$ORIGIN/'*) ;;
    *) fail "${f#"$bundle"/}: DT_RPATH '${rpath}' is not \$ORIGIN-relative"; continue ;;
  esac
  [ "$(readlink -f "$(dirname "$f")/${rpath#\$ORIGIN}")" = "$bundle/lib" ] ||
    fail "${f#"$bundle"/}: DT_RPATH '$rpath' does not lead to lib/"
  printf '%-52s %s\n' "${f#"$bundle"/}" "$rpath"
done
[ $failed -eq 0 ] && echo "ok: ${#elves[@]} ELF files"

say "4. the demo, every keeper-rotate run in a mount namespace without the system's OpenSSL (and Poco, PCRE)"
# The real files behind every name the dynamic linker could find them under (its cache and the usual
# directories); a bind mount over a file hides it under each of its symbolic links as well.
{
  ldconfig -p | awk '/=>/{print $NF}'
  find /lib /lib64 /usr/lib /usr/lib64 /usr/local/lib -maxdepth 2 -name 'lib*.so*' 2>/dev/null
} | grep -E '/(libPoco[^/]*|libssl\.so[^/]*|libcrypto\.so[^/]*|libpcre\.so[^/]*)$' |
  xargs -r readlink -f | sort -u > "$work/hide.list"
echo "hidden: $(wc -l < "$work/hide.list") library files ($(xargs -n1 basename < "$work/hide.list" | sort -u |
  tr '\n' ' '))"
unshare_flags=(--mount)
[ "$(id -u)" -eq 0 ] || unshare_flags+=(--map-root-user)
# isolated CMD...: CMD in a fresh private mount namespace with the files in hide.list hidden.
cat > "$work/isolated" <<SH
#!/bin/sh
exec unshare ${unshare_flags[*]} -- /bin/sh -c '
  while IFS= read -r f; do mount --bind /dev/null "\$f" || exit 125; done < "$work/hide.list"
  if [ -d /usr/lib/ssl ]; then mount -t tmpfs -o ro,size=4k none /usr/lib/ssl || exit 125; fi
  exec "\$@"' isolated "\$@"
SH
chmod +x "$work/isolated"
# The hiding must bite: the build tree's keeper-rotate, linked against the system's libraries, cannot start.
if "$work/isolated" "$build/bin/keeper-rotate" --version > "$work/system.out" 2>&1; then
  fail "the system-linked $build/bin/keeper-rotate still starts in the namespace: nothing is hidden"
else
  echo "ok: the system-linked build-tree keeper-rotate cannot start there ($(head -n1 "$work/system.out"))"
fi
if "$work/isolated" "$bundle/bin/keeper-rotate" --version > "$work/bundle.out" 2>&1; then
  echo "ok: the bundle starts there: $(head -n1 "$work/bundle.out")"
else
  fail "the bundle does not start in the namespace: $(cat "$work/bundle.out")"
fi
# A parent that exports LD_LIBRARY_PATH with other copies of these libraries (here: the hidden system ones) must
# not take the bundle's place: DT_RPATH comes first.
if LD_LIBRARY_PATH=$(dirname "$(head -n1 "$work/hide.list")") \
   "$work/isolated" "$bundle/bin/keeper-rotate" --version > "$work/ldpath.out" 2>&1; then
  echo "ok: the bundle starts there with LD_LIBRARY_PATH naming the system's library directory"
else
  fail "with LD_LIBRARY_PATH set, the bundle does not start in the namespace: $(cat "$work/ldpath.out")"
fi
if "$work/isolated" "$bundle/bin/keeper-rotate" plugins list > "$work/plugins.out" 2>&1; then
  echo "ok: plugins list in the namespace:"; sed 's/^/    /' "$work/plugins.out"
else
  fail "plugins list in the namespace: $(cat "$work/plugins.out")"
fi
# A tree shaped like a build directory for run-demo.sh: the fakes from the build tree, and a keeper-rotate
# that runs the bundle's inside the namespace (the bundle finds its own plugins; the link satisfies the demo's
# check that they exist).
demo=$work/demo-tree
mkdir -p "$demo/bin" "$demo/lib/keeper-rotate"
ln -s "$build/bin/fake-entra" "$build/bin/fake-aws" "$build/bin/fake-ksm" "$demo/bin/"
ln -s "$bundle/lib/keeper-rotate/plugins" "$demo/lib/keeper-rotate/plugins"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$work/isolated" "$bundle/bin/keeper-rotate" > "$demo/bin/keeper-rotate"
chmod +x "$demo/bin/keeper-rotate"
if "$root/tools/demo/run-demo.sh" "$demo" > "$work/demo.log" 2>&1; then
  grep -E '^(ok|FAIL):|^Demo' "$work/demo.log"
else
  cat "$work/demo.log"
  fail "the demo failed with the bundle in the namespace"
fi

if [ $failed -ne 0 ]; then
  echo; echo "check-portable: FAILED"; exit 1
fi
echo; echo "check-portable: all checks passed"
