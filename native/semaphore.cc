// POSIX named semaphores: only sem_unlink, for the resource tracker's 'sem'
// kind (as Python's tracker has). The library's own semaphores are futex words
// in shared memory (futex.cc).
#include <errno.h>
#include <semaphore.h>

#include <string>

#include "addon.h"
#include "errors.h"

namespace pmp {

// semUnlink(name)
static Napi::Value SemUnlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowInvalidArgType(info[0], "name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.empty() || name[0] != '/') name.insert(0, "/");
  if (sem_unlink(name.c_str()) != 0) ThrowErrno(env, errno, "sem_unlink");
  return env.Undefined();
}

void InitSemaphore(Napi::Env env, Napi::Object exports) { ExportFunctions(env, exports, {{"semUnlink", SemUnlink}}); }

}  // namespace pmp
