// The addon's entry point: one Init per OS facility.
#include "addon.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pmp::InitProcess(env, exports);
  pmp::InitFdIo(env, exports);
  pmp::InitFdWatch(env, exports);
  pmp::InitFdPassing(env, exports);
  pmp::InitUnixSocket(env, exports);
  pmp::InitShm(env, exports);
  pmp::InitFutex(env, exports);
  pmp::InitFutexWaiter(env, exports);
  pmp::InitSemaphore(env, exports);
  pmp::InitRing(env, exports);
  pmp::InitReceiveMemory(env, exports);
  pmp::InitStackUnwind(env, exports);
  return exports;
}

NODE_API_MODULE(posix_multiprocessing, Init)
