#!/usr/bin/env bash
# Makes the native part of the prebuilt npm package: libauthkv.so with every
# shared library it links that is not in system-libraries.txt copied beside
# it, each with the RUNPATH $ORIGIN, the way Python wheels are repaired
# (auditwheel). The result needs only glibc, libstdc++/libgcc_s and
# libcrypto 3 from the machine it runs on; REQUIRES.txt says which versions.
#
# Why shipped shared libraries and not a static RocksDB: Debian's
# librocksdb.a is not position-independent, so it cannot go into a shared
# object; building RocksDB from source with -fPIC would add about half an
# hour on this 2-core machine to every clean build.
#
# Usage: bundle-native.sh LIBAUTHKV_SO ENV_CLEANUP_NODE OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
allowlist=$here/system-libraries.txt
library=$(realpath "$1") hook=$(realpath "$2") out=$3

fail() { echo "bundle-native: $*" >&2; exit 1; }
command -v patchelf >/dev/null || fail "patchelf is missing (Debian package patchelf)"

allowed() { grep -qxF "$1" <(grep -v '^#' "$allowlist"); }
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

rm -rf "$out"
mkdir -p "$out/licenses"
cp "$library" "$out/libauthkv.so"
cp "$hook" "$out/authkv_env_cleanup.node"

# Where the dynamic linker finds each library of the whole tree, as ldd says.
declare -A path_of=()
while read -r name _ path _; do
  [[ -n "${path:-}" && "$path" == /* ]] && path_of[$name]=$path
done < <(ldd "$library" | grep '=>')

queue=("$out/libauthkv.so")
bundled=()
while ((${#queue[@]})); do
  file=${queue[0]}; queue=("${queue[@]:1}")
  for dep in $(needed "$file"); do
    allowed "$dep" && continue
    [[ -e "$out/$dep" ]] && continue
    src=${path_of[$dep]:-}
    [[ -n "$src" ]] || fail "$file needs $dep, which ldd cannot find"
    cp -L "$src" "$out/$dep"
    chmod 0755 "$out/$dep"
    bundled+=("$dep")
    queue+=("$out/$dep")
    # Each bundled library's licence, from the Debian package it came from.
    # (dpkg knows a file under the path it installed it at, which on a
    # merged /usr may be the /lib spelling ldd printed, not the realpath.)
    pkg=$({ dpkg -S "$(dirname "$src")/$(basename "$(realpath "$src")")" ||
            dpkg -S "$(realpath "$src")"; } 2>/dev/null | head -n1 | cut -d: -f1 || true)
    if [[ -n "$pkg" && -f /usr/share/doc/$pkg/copyright ]]; then
      cp "/usr/share/doc/$pkg/copyright" "$out/licenses/$pkg.copyright"
      echo "$dep $pkg $(dpkg-query -W -f='${Version}' "$pkg")" >>"$out/licenses/BUNDLED.txt"
    fi
  done
done

# $ORIGIN on every file: RUNPATH applies only to an object's own NEEDED
# entries, so librocksdb needs it too, to find the codecs beside it.
for f in "$out/libauthkv.so" "${bundled[@]/#/$out/}"; do
  patchelf --set-rpath '$ORIGIN' "$f"
done

# The bundle's own check: nothing outside the allowlist and the bundle.
for f in "$out"/*.so* "$out/authkv_env_cleanup.node"; do
  for dep in $(needed "$f"); do
    allowed "$dep" || [[ -e "$out/$dep" ]] || fail "$(basename "$f") needs $dep, outside the allowlist"
  done
done

# The oldest system each symbol version allows.
newest() { objdump -T "$out"/*.so* "$out/authkv_env_cleanup.node" 2>/dev/null |
           grep -o "$1_[0-9][0-9.]*" | sort -Vu | tail -n1; }
{
  echo "glibc $(newest GLIBC | sed 's/GLIBC_//')"
  echo "libstdc++ $(newest GLIBCXX | sed 's/GLIBCXX_//') (CXXABI $(newest CXXABI | sed 's/CXXABI_//'))"
  echo "libcrypto $(newest OPENSSL | sed 's/OPENSSL_//')"
} >"$out/REQUIRES.txt"
echo "bundle-native: $out: libauthkv.so + ${bundled[*]}; needs $(tr '\n' ';' <"$out/REQUIRES.txt")"
