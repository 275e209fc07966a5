#include "errors.h"

#include <errno.h>
#include <string.h>

#include <string>

namespace pmp {

// glibc >= 2.32 names errno values itself; elsewhere (macOS) use a short table
// of the values our syscalls can return.
static const char* ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#else
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOSPC: return "ENOSPC";
    case EPIPE: return "EPIPE";
    case ENOSYS: return "ENOSYS";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EOVERFLOW: return "EOVERFLOW";
    default: break;
  }
#endif
  return "EUNKNOWN";
}

// What to do about the errors that mean a resource ran out.
static const char* Remedy(int err) {
  switch (err) {
    case EMFILE:
      return " (this process has as many open files as its limit allows, `ulimit -n`: close objects it no "
             "longer uses, or raise the limit)";
    case ENFILE: return " (the system's open-file table is full: close files, or raise fs.file-max)";
    case ENOSPC:
      return " (no space left where the object lives: for shared memory that is /dev/shm; unlink segments "
             "no longer used, or give /dev/shm more room)";
    case ENOMEM: return " (the system could not provide the memory: make the object smaller, or free memory)";
    default: return "";
  }
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  const char* code = ErrnoName(err);
  std::string message = std::string(code) + ": " + strerror(err) + ", " + syscall + Remedy(err);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  error.Set("errno", Napi::Number::New(env, -err));  // negative, as Node's fs errors
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

void ThrowErrno(Napi::Env env, int err, const char* syscall) { throw ErrnoError(env, err, syscall); }

static std::string Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_number: return value.ToString().Utf8Value();  // NaN, Infinity, 1.5
    case napi_string: return "'" + value.As<Napi::String>().Utf8Value() + "' (a string)";
    case napi_boolean: return value.ToBoolean() ? "true" : "false";
    case napi_object: return value.IsArray() ? "an array" : "an object";
    case napi_function: return "a function";
    case napi_symbol: return "a symbol";
    case napi_bigint: return "a bigint";
    default: return "an external";
  }
}

void ThrowInvalidArgType(const Napi::Value& value, const std::string& requirement) {
  Napi::TypeError error = Napi::TypeError::New(value.Env(), requirement + ", got " + Describe(value));
  error.Set("code", Napi::String::New(value.Env(), "ERR_INVALID_ARG_TYPE"));
  throw error;
}

int Int32Arg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) ThrowInvalidArgType(value, std::string(name) + " must be a number");
  return value.As<Napi::Number>().Int32Value();
}

}  // namespace pmp
