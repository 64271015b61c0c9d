#!/usr/bin/env bash
# authkv install test: the native bundle of the prebuilt npm package
# (bindings/node/platform/bundle-native.sh) needs nothing from the machine
# beyond bindings/node/platform/system-libraries.txt, and signs a user in
# through Auth.js with the system's RocksDB and codec libraries hidden.
#
# Checked independently of the bundling script's own check: every NEEDED
# entry of every file is on the allowlist or shipped in the bundle, every
# library has the RUNPATH $ORIGIN, and in a private mount namespace where
# each bundled library's system copy is /dev/null, the email sign-in of
# bindings/node/examples/signin.mjs runs against the bundle, and the process
# maps the bundle's librocksdb, not the system's.
#
# Usage: native_bundle_test.sh NODE LIBAUTHKV_SO ENV_CLEANUP_NODE PACKAGE_DIR
set -euo pipefail

node=$1 library=$(realpath "$2") hook=$(realpath "$3") package=$(realpath "$4")
platform=$package/platform
work=$(mktemp -d "${TMPDIR:-/tmp}/authkv-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "native_bundle_test: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "bundle $library"
bash "$platform/bundle-native.sh" "$library" "$hook" "$work/native"
bundle=$work/native

step "NEEDED entries against the allowlist"
allow=$(grep -v '^#' "$platform/system-libraries.txt")
shipped=()
for f in "$bundle"/*.so* "$bundle/authkv_env_cleanup.node"; do
  while read -r dep; do
    if grep -qxF "$dep" <<<"$allow"; then continue; fi
    [[ -f "$bundle/$dep" ]] || fail "$(basename "$f") needs $dep: neither allowed nor shipped"
  done < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
for f in "$bundle"/*.so*; do
  [[ "$(readelf -d "$f" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')" == '$ORIGIN' ]] ||
    fail "$(basename "$f") has no RUNPATH \$ORIGIN"
  [[ "$(basename "$f")" == libauthkv.so ]] || shipped+=("$(basename "$f")")
done
grep -qx 'librocksdb.so.7.8' < <(printf '%s\n' "${shipped[@]}") || fail "librocksdb is not in the bundle"
echo "   shipped: ${shipped[*]}; $(tr '\n' ';' <"$bundle/REQUIRES.txt")"

if ! unshare -m true 2>/dev/null; then
  echo "native_bundle_test: cannot make a mount namespace here (needs root); skipped the hidden-library run"
  exit 77
fi

step "Auth.js email sign-in with the system's copies hidden"
cat >"$work/hidden.sh" <<SH
set -euo pipefail
for lib in ${shipped[*]}; do
  for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /usr/local/lib; do
    if [[ -e \$dir/\$lib ]]; then mount --bind /dev/null "\$dir/\$lib"; fi
  done
done
# The unbundled library no longer loads: the hiding works.
if "$node" -e 'require("koffi").load(process.argv[1])' "$library" 2>/dev/null; then
  echo "native_bundle_test: $library still loads with the system libraries hidden" >&2; exit 1
fi
cd "$package"
AUTHKV_LIBRARY="$bundle/libauthkv.so" "$node" examples/signin.mjs "$work/db" ada@example.com
# Which librocksdb a process that loads the bundle maps.
"$node" -e 'require("koffi").load(process.argv[1]);
  const maps = require("fs").readFileSync("/proc/self/maps", "utf8")
  console.log("mapped:", maps.split("\\n").find((l) => l.includes("librocksdb")).split(/ +/).pop())' \
  "$bundle/libauthkv.so"
SH
output=$(unshare -m bash "$work/hidden.sh" 2>&1) || { echo "$output"; fail "the sign-in failed"; }
echo "$output"
grep -q 'adapter.getSessionAndUser ->' <<<"$output" || fail "no session in the sign-in output"
grep -qx "mapped: $bundle/librocksdb.so.7.8" <<<"$output" || fail "the process did not map the bundle's librocksdb"
[[ -f "$work/db/CURRENT" ]] || fail "no database was made"
echo "native_bundle_test: the bundle needs only the allowlist, and signs a user in with the system's copies hidden"
