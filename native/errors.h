// The errors native/ throws, made in one place: errno -> Error with code, errno
// and syscall, shaped like Node's own system errors (`EPERM: operation not
// permitted, kill`); a bad argument -> TypeError with code ERR_INVALID_ARG_TYPE,
// as Node's own argument checks throw.
#pragma once
#include <napi.h>

#include <string>

namespace pmp {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall);

// Throws "<requirement>, got <what value is>", e.g. "fd must be a number, got 'abc' (a string)".
[[noreturn]] void ThrowInvalidArgType(const Napi::Value& value, const std::string& requirement);

// A number argument as an int32 (N-API's conversion: NaN and Infinity give 0);
// anything else throws ThrowInvalidArgType("<name> must be a number").
int Int32Arg(const Napi::Value& value, const char* name);

}  // namespace pmp
