// Memory for large received messages. A Queue or Connection that receives a
// 1 MiB item needs 1 MiB of fresh memory for the Buffer it returns. glibc serves
// that from a new mmap (or trims and regrows the heap) on every item, and the
// kernel then faults in and zeroes 256 new pages: measured here, 600-800 us per
// MiB, against 45 us to copy it. tuneMallocForLargeMessages() sets glibc's two
// thresholds to the values its own dynamic policy reaches after freeing a
// 32 MiB block (mmap threshold 32 MiB, trim threshold twice that), so freed
// receive buffers are reused instead of returned to the kernel. At most 64 MiB
// of free heap is then kept. Other C libraries: nothing to do (returns false).
#include "addon.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pmp {

namespace {

constexpr int kMmapThreshold = 32 * 1024 * 1024;    // glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit
constexpr int kTrimThreshold = 2 * kMmapThreshold;  // what its dynamic policy pairs with it

Napi::Value TuneMallocForLargeMessages(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  bool ok = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
  return Napi::Boolean::New(info.Env(), ok);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

void InitReceiveMemory(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {{"tuneMallocForLargeMessages", TuneMallocForLargeMessages}});
}

}  // namespace pmp
