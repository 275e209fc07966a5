// The addon's entry point: one Init per OS facility.
#include <napi.h>

namespace pmp {
void InitProcess(Napi::Env env, Napi::Object exports);
void InitWaiter(Napi::Env env, Napi::Object exports);
void InitShm(Napi::Env env, Napi::Object exports);
void InitSync(Napi::Env env, Napi::Object exports);
void InitFutexWaiter(Napi::Env env, Napi::Object exports);
void InitConnection(Napi::Env env, Napi::Object exports);
void InitFdPassing(Napi::Env env, Napi::Object exports);
void InitRing(Napi::Env env, Napi::Object exports);
void InitReceiveMemory(Napi::Env env, Napi::Object exports);
void InitUnixSocket(Napi::Env env, Napi::Object exports);
void InitStackUnwind(Napi::Env env, Napi::Object exports);
}  // namespace pmp

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pmp::InitProcess(env, exports);
  pmp::InitWaiter(env, exports);
  pmp::InitShm(env, exports);
  pmp::InitSync(env, exports);
  pmp::InitFutexWaiter(env, exports);
  pmp::InitConnection(env, exports);
  pmp::InitFdPassing(env, exports);
  pmp::InitRing(env, exports);
  pmp::InitReceiveMemory(env, exports);
  pmp::InitUnixSocket(env, exports);
  pmp::InitStackUnwind(env, exports);
  return exports;
}

NODE_API_MODULE(posix_multiprocessing, Init)
