// errno -> JavaScript Error with code, errno and syscall, shaped like Node's own
// system errors (`EPERM: operation not permitted, kill`).
#pragma once
#include <napi.h>

namespace pmp {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall);

}  // namespace pmp
