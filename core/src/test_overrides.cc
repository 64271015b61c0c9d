// authkv: embedded auth-data store. Licensed under the ISC license.

#include "test_overrides.h"

namespace authkv::internal {

namespace {
thread_local OpenOverrides current;
}  // namespace

const OpenOverrides& CurrentOpenOverrides() { return current; }

OpenOverrides SetOpenOverrides(const OpenOverrides& overrides) {
  OpenOverrides previous = current;
  current = overrides;
  return previous;
}

}  // namespace authkv::internal
