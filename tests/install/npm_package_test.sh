#!/usr/bin/env bash
# authkv install test: `npm pack` the Node package (which carries the
# libauthkv.so of this build tree), install the tarball into a new app
# folder outside the repository as a user would (`npm install <tarball>`,
# plus @auth/core), and sign a user in through the installed package with no
# other step (tests/install/npm-app/signin.mjs).
#
# npm install prefers the local npm cache (filled by `npm ci` in
# bindings/node, which scripts/setup runs), so it needs the registry only
# for what is not cached.
#
# Usage: npm_package_test.sh NPM NODE LIBAUTHKV_SO PACKAGE_DIR APP_SOURCE_DIR
set -euo pipefail

npm=$1 node=$2 library=$(realpath "$3") package=$(realpath "$4") app_source=$(realpath "$5")
work=$(mktemp -d "${TMPDIR:-/tmp}/authkv-npm.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "npm_package_test: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "npm pack ($package, library $library)"
tarball=$(cd "$package" && AUTHKV_LIBRARY="$library" "$npm" pack --silent \
  --pack-destination "$work" | tail -n1)
tarball=$work/$tarball
[[ -f "$tarball" ]] || fail "npm pack made no tarball"
[[ ! -e "$package/native" ]] || fail "postpack left $package/native behind"
tar -tzf "$tarball" | sort >"$work/contents"
for f in package/package.json package/README.md package/dist/index.js package/dist/index.mjs \
         package/dist/index.d.ts package/dist/index.d.mts package/native/libauthkv.so \
         package/native/librocksdb.so.7.8 package/native/REQUIRES.txt; do
  grep -qx "$f" "$work/contents" || fail "the tarball lacks $f"
done
if grep -E '^package/(src|test|scripts|examples|node_modules)/' "$work/contents"; then
  fail "the tarball carries development files"
fi
echo "   $(basename "$tarball"): $(wc -l <"$work/contents") files, $(du -k "$tarball" | cut -f1) KiB"

step "npm install <tarball> @auth/core in a new app"
auth_core=$("$node" -p "require('$package/node_modules/@auth/core/package.json').version")
mkdir "$work/app"
cp "$app_source/signin.mjs" "$package/examples/auth-harness.mjs" "$work/app/"
cat >"$work/app/package.json" <<JSON
{ "name": "authkv-install-test-app", "version": "1.0.0", "private": true, "type": "module" }
JSON
(cd "$work/app" && "$npm" install --prefer-offline --no-audit --no-fund --loglevel=error \
  "$tarball" "@auth/core@$auth_core")

step "sign in through the installed package"
(cd "$work/app" && env -u AUTHKV_LIBRARY "$node" signin.mjs "$work/app/data/auth")
[[ -f "$work/app/data/auth/CURRENT" ]] || fail "no database in the app's data/auth"
# The installed package needs none of the system's RocksDB and codec
# libraries: in a private mount namespace each one's system copy is
# /dev/null, and the sign-in runs again.
if unshare -m true 2>/dev/null; then
  step "sign in again with the system's RocksDB and codecs hidden"
  hidden=$(cd "$work/app/node_modules/authkv/native" && ls lib*.so.* | grep -v '^libauthkv')
  (cd "$work/app" && env -u AUTHKV_LIBRARY unshare -m bash -c '
    set -euo pipefail
    for lib in '"$(echo $hidden)"'; do
      for dir in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu; do
        if [[ -e $dir/$lib ]]; then mount --bind /dev/null "$dir/$lib"; fi
      done
    done
    "$0" signin.mjs "$1"' "$node" "$work/app/data/hidden")
  [[ -f "$work/app/data/hidden/CURRENT" ]] || fail "no database from the sign-in with libraries hidden"
else
  echo "npm_package_test: no mount namespace here (needs root): the hidden-library sign-in did not run"
fi
echo "npm_package_test: the packed package installed and signed a user in"
