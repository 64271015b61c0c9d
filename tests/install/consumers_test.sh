#!/usr/bin/env bash
# authkv install test: `cmake --install` this build tree into a temporary
# prefix, check what landed there, then build and run consumers outside the
# repository: a C++ and a C program through find_package(authkv), and the
# same C program through `pkg-config --cflags --libs authkv`. Each opens a
# store, creates a user and reads it back; the installed authkv-dump (when
# the build has it) then lists the users they created.
#
# Usage: consumers_test.sh CMAKE BUILD_DIR CONSUMER_SOURCE_DIR GENERATOR CC CXX [SANITIZE]
set -euo pipefail

cmake=$1 build=$2 source=$3 generator=$4 cc=$5 cxx=$6 sanitize=${7:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/authkv-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

fail() { echo "consumers_test: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" ||
  { cat "$work/install.log"; fail "cmake --install failed"; }

# Where GNUInstallDirs put the libraries (lib, or lib/<multiarch> for /usr).
pc=$(find "$prefix" -name authkv.pc -path '*/pkgconfig/*' | head -n1)
[[ -n "$pc" ]] || fail "no authkv.pc installed"
libdir=$(dirname "$(dirname "$pc")")
step "installed files (libdir ${libdir#"$prefix"/})"
for f in include/authkv/authkv.h include/authkv/store.h include/authkv/status.h \
         include/authkv/result.h include/authkv/options.h include/authkv/records.h; do
  [[ -f "$prefix/$f" ]] || fail "missing $f"
done
for f in libauthkv.so.0.1.0 libauthkv_core.a cmake/authkv/authkvConfig.cmake \
         cmake/authkv/authkvConfigVersion.cmake; do
  [[ -f "$libdir/$f" ]] || fail "missing ${libdir#"$prefix"/}/$f"
done
[[ "$(readlink "$libdir/libauthkv.so.1")" == libauthkv.so.0.1.0 ]] ||
  fail "libauthkv.so.1 is not a link to libauthkv.so.0.1.0"
[[ "$(readlink "$libdir/libauthkv.so")" == libauthkv.so.1 ]] ||
  fail "libauthkv.so is not a link to libauthkv.so.1"
objdump -p "$libdir/libauthkv.so.0.1.0" | grep -q 'SONAME *libauthkv\.so\.1$' ||
  fail "the SONAME of libauthkv.so.0.1.0 is not libauthkv.so.1"
# Public headers stand alone: no generated schema header, no core/src
# header, no RocksDB or FlatBuffers type.
if grep -nE '#include *[<"](authkv/schema/|flatbuffers/|rocksdb/)|_generated\.h' \
     "$prefix"/include/authkv/*.h; then
  fail "an installed header includes a private or third-party header"
fi
for h in "$prefix"/include/authkv/*.h; do
  inc=$(grep -oE '#include *"[^"]+"' "$h" | sed -E 's/#include *"([^"]+)"/\1/' || true)
  for i in $inc; do
    [[ -f "$prefix/include/$i" ]] || fail "${h#"$prefix"/} includes $i, which is not installed"
  done
done
# No path of the build machine leaks into the package files.
if grep -rl "$(cd "$build" && pwd)" "$libdir/cmake/authkv" "$pc"; then
  fail "an installed package file names the build tree"
fi

step "find_package(authkv): C++ (authkv::core) and C (authkv::c)"
cp -r "$source" "$work/consumer"
"$cmake" -S "$work/consumer" -B "$work/consumer-build" -G "$generator" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DAUTHKV_CONSUMER_SANITIZE="$sanitize" >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "configuring the consumer failed"; }
"$cmake" --build "$work/consumer-build" >"$work/build.log" ||
  { cat "$work/build.log"; fail "building the consumer failed"; }
grep -q "authkv_DIR:PATH=$libdir/cmake/authkv" "$work/consumer-build/CMakeCache.txt" ||
  fail "find_package(authkv) did not use the installed package"
"$work/consumer-build/cxx_consumer" "$work/db-cxx"
"$work/consumer-build/c_consumer" "$work/db-c-cmake"

step "pkg-config --cflags --libs authkv: C"
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
flags=$(pkg-config --cflags --libs authkv)
echo "   $flags"
[[ "$(pkg-config --modversion authkv)" == 0.1.0 ]] || fail "pkg-config --modversion is not 0.1.0"
san=()
[[ -n "$sanitize" ]] && san=("-fsanitize=$sanitize")
# shellcheck disable=SC2086 # flags is a list of words, as pkg-config means
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror "${san[@]}" "$source/c_consumer.c" \
  $flags -o "$work/c_pkgconfig"
LD_LIBRARY_PATH="$(pkg-config --variable=libdir authkv)" "$work/c_pkgconfig" "$work/db-c-pc"

if [[ -x "$prefix/bin/authkv-dump" ]]; then
  step "installed authkv-dump lists what the consumers stored"
  "$prefix/bin/authkv-dump" list "$work/db-cxx" users | tee "$work/dump.txt"
  grep -q 'grace@example.com' "$work/dump.txt" || fail "authkv-dump does not show grace@example.com"
  "$prefix/bin/authkv-dump" list "$work/db-c-pc" users | tee "$work/dump.txt"
  grep -q 'ada@example.com' "$work/dump.txt" || fail "authkv-dump does not show ada@example.com"
else
  echo "(this build has no authkv-dump; skipped it)"
fi
echo "consumers_test: all consumers built against $prefix and ran"
