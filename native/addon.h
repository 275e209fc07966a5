// What each facility's file gives the addon's entry point (addon.cc): an Init
// that adds its bindings to the exports, most of them through ExportFunctions.
#pragma once
#include <napi.h>

#include <initializer_list>

namespace pmp {

struct NamedFunction {
  const char* name;
  Napi::Function::Callback callback;
};

// exports[name] = a JS function of that name calling `callback`, for each entry.
inline void ExportFunctions(Napi::Env env, Napi::Object exports, std::initializer_list<NamedFunction> functions) {
  for (const NamedFunction& f : functions) exports.Set(f.name, Napi::Function::New(env, f.callback, f.name));
}

// void Init...(Napi::Env env, Napi::Object exports), one per facility.
using InitFunction = void(Napi::Env env, Napi::Object exports);
InitFunction InitProcess, InitFdIo, InitFdWatch, InitFdPassing, InitUnixSocket, InitShm, InitFutex, InitFutexWaiter,
    InitSemaphore, InitRing, InitReceiveMemory, InitStackUnwind;

}  // namespace pmp
