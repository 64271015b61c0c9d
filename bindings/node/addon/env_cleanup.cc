// authkv: embedded auth-data store. Licensed under the ISC license.
//
// authkv_env_cleanup.node: closes a Node thread's authkv handles when that
// thread's environment is torn down. `worker.terminate()` runs no
// JavaScript in the worker (no "exit" event, no finalizers), so the handles
// its adapter opened would otherwise stay open, and their store with them,
// for the life of the process. Node-API's env cleanup hooks do run then.
//
// The module is loaded once per thread by bindings/node/src/native.ts
// (process.dlopen) and exports bind(libraryPath), track(handle) and
// untrack(handle); handles are authkv_db pointers as BigInts. It does not
// link to libauthkv: bind() finds authkv_close in the very library koffi
// loaded (dlopen with RTLD_NOLOAD), so the module works beside any copy of
// the library, under any file name.
//
// The few Node-API declarations it needs are written out here instead of
// including node_api.h: they are Node-API's stable C ABI (version 1
// functions plus napi_add_env_cleanup_hook, version 3), and the build then
// needs no Node headers. The symbols resolve against the node binary when
// Node loads the module.

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_set>

#include "authkv/authkv.h"

extern "C" {
typedef struct napi_env__* napi_env;
typedef struct napi_value__* napi_value;
typedef struct napi_callback_info__* napi_callback_info;
typedef int napi_status;  // napi_ok is 0.
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);

napi_status napi_create_function(napi_env env, const char* utf8name, size_t length,
                                 napi_callback cb, void* data, napi_value* result);
napi_status napi_set_named_property(napi_env env, napi_value object, const char* utf8name,
                                    napi_value value);
napi_status napi_get_cb_info(napi_env env, napi_callback_info cbinfo, size_t* argc,
                             napi_value* argv, napi_value* this_arg, void** data);
napi_status napi_get_value_bigint_uint64(napi_env env, napi_value value, uint64_t* result,
                                         bool* lossless);
napi_status napi_add_env_cleanup_hook(napi_env env, void (*fun)(void* arg), void* arg);
napi_status napi_throw_type_error(napi_env env, const char* code, const char* msg);
napi_status napi_get_value_string_utf8(napi_env env, napi_value value, char* buf,
                                       size_t bufsize, size_t* result);
}

namespace {

// The handles one thread has open. Only that thread's JavaScript touches
// it, and the cleanup hook runs on that thread too; the mutex is for
// clarity's sake, not contention.
struct ThreadHandles {
  std::mutex mutex;
  std::unordered_set<authkv_db*> open;
  void (*close)(authkv_db*) = nullptr;  // authkv_close, once bound.
};

void CloseAll(void* arg) {
  auto* handles = static_cast<ThreadHandles*>(arg);
  {
    std::lock_guard<std::mutex> lock(handles->mutex);
    if (handles->close != nullptr) {
      for (authkv_db* db : handles->open) handles->close(db);
    }
    handles->open.clear();
  }
  delete handles;
}

// The handle argument of track/untrack, or nullptr after throwing.
authkv_db* HandleArg(napi_env env, napi_callback_info info, ThreadHandles** handles) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != 0 || argc < 1) {
    napi_throw_type_error(env, nullptr, "authkv: expected a handle");
    return nullptr;
  }
  uint64_t value = 0;
  bool lossless = false;
  if (napi_get_value_bigint_uint64(env, argv[0], &value, &lossless) != 0 || !lossless ||
      value == 0) {
    napi_throw_type_error(env, nullptr, "authkv: a handle is a non-zero BigInt");
    return nullptr;
  }
  *handles = static_cast<ThreadHandles*>(data);
  return reinterpret_cast<authkv_db*>(static_cast<uintptr_t>(value));
}

// bind(libraryPath): true once authkv_close of that (loaded) library is found.
napi_value Bind(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  char path[4096];
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != 0 || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != 0 ||
      length + 1 >= sizeof path) {
    napi_throw_type_error(env, nullptr, "authkv: expected the library path");
    return nullptr;
  }
  auto* handles = static_cast<ThreadHandles*>(data);
  // RTLD_NOLOAD: only a library that is loaded already; its reference is
  // kept, so it cannot be unloaded before the cleanup hook runs.
  void* library = ::dlopen(path, RTLD_NOW | RTLD_NOLOAD);
  void* close = library ? ::dlsym(library, "authkv_close") : nullptr;
  std::lock_guard<std::mutex> lock(handles->mutex);
  handles->close = reinterpret_cast<void (*)(authkv_db*)>(close);
  if (handles->close == nullptr) {
    napi_throw_type_error(env, nullptr, "authkv: the library has no authkv_close");
  }
  return nullptr;
}

// track(handle) / untrack(handle): adds or removes one handle.
template <bool kTrack>
napi_value Tracking(napi_env env, napi_callback_info info) {
  ThreadHandles* handles = nullptr;
  if (authkv_db* db = HandleArg(env, info, &handles)) {
    std::lock_guard<std::mutex> lock(handles->mutex);
    if (kTrack) {
      handles->open.insert(db);
    } else {
      handles->open.erase(db);
    }
  }
  return nullptr;
}

bool Export(napi_env env, napi_value exports, const char* name, napi_callback cb,
            ThreadHandles* handles) {
  napi_value fn = nullptr;
  return napi_create_function(env, name, static_cast<size_t>(-1), cb, handles, &fn) == 0 &&
         napi_set_named_property(env, exports, name, fn) == 0;
}

}  // namespace

// Called by Node once per thread that loads the module.
extern "C" __attribute__((visibility("default"))) napi_value napi_register_module_v1(
    napi_env env, napi_value exports) {
  auto* handles = new ThreadHandles;
  if (napi_add_env_cleanup_hook(env, CloseAll, handles) != 0) {
    delete handles;
    return exports;  // No track(): native.ts then does without the hook.
  }
  Export(env, exports, "bind", Bind, handles);
  Export(env, exports, "track", Tracking<true>, handles);
  Export(env, exports, "untrack", Tracking<false>, handles);
  return exports;
}
