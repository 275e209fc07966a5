// The addon's entry point: one Init per OS facility.
#include "addon.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace pmp;
  for (InitFunction* init : {InitProcess, InitFdIo, InitFdWatch, InitFdPassing, InitUnixSocket, InitShm, InitFutex,
                             InitFutexWaiter, InitSemaphore, InitRing, InitReceiveMemory, InitStackUnwind}) {
    init(env, exports);
  }
  return exports;
}

NODE_API_MODULE(posix_multiprocessing, Init)
