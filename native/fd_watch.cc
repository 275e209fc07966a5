// FdWatch: calls a JS function on the main thread when a file descriptor becomes
// readable, through a libuv poll handle on Node's own loop. No thread-pool work,
// no extra thread: this is how lib/ waits for child exits (pidfd) and, later,
// for any native wait that can be expressed as a readable fd.
#include <stdlib.h>

#include "addon.h"
#include "errors.h"
#include "libuv.h"
#include "stack_unwind.h"

namespace pmp {

class FdWatch : public Napi::ObjectWrap<FdWatch> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FdWatch",
                       {InstanceMethod("stop", &FdWatch::Stop), InstanceMethod("pause", &FdWatch::Pause),
                        InstanceMethod("resume", &FdWatch::Resume), InstanceMethod("ref", &FdWatch::RefLoop),
                        InstanceMethod("unref", &FdWatch::UnrefLoop)});
  }

  // new FdWatch(fd, callback(status, events), events = readable), watching for
  // readability (1) and/or writability (2) as libuv's poll event bits.
  explicit FdWatch(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<FdWatch>(info), async_context_(info.Env(), "FdWatch") {
    Napi::Env env = info.Env();
    int fd = Int32Arg(info[0], "FdWatch(fd: number, callback: function): fd");
    if (!info[1].IsFunction())
      ThrowInvalidArgType(info[1], "FdWatch(fd: number, callback: function): callback must be a function");
    callback_ = Napi::Persistent(info[1].As<Napi::Function>());
    handle_ = static_cast<uv_poll_t*>(calloc(1, uv_handle_size(kUvPollHandleType)));
    struct uv_loop_s* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    int err = uv_poll_init(loop, handle_, fd);
    if (err == 0) {
      // uv_handle_t's first public member is `void* data`.
      *reinterpret_cast<void**>(handle_) = this;
      events_ = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : kUvReadable;
      err = uv_poll_start(handle_, events_, OnPoll);
      if (err != 0) uv_close(reinterpret_cast<uv_handle_t*>(handle_), FreeHandle);
    } else {
      free(handle_);
    }
    if (err != 0) {
      handle_ = nullptr;
      ThrowErrno(env, -err, "uv_poll_start");
    }
    Ref();  // keep the JS object (and its callback) alive while watching
  }

  ~FdWatch() override { Close(); }

 private:
  static void FreeHandle(uv_handle_t* handle) { free(handle); }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    FdWatch* self = *reinterpret_cast<FdWatch**>(handle);
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    try {
      self->callback_.MakeCallback(env.Global(), {Napi::Number::New(env, status), Napi::Number::New(env, events)},
                                   self->async_context_);
    } catch (const Napi::Error& e) {
      if (LeavingJavaScriptStack()) return;  // a forked child left the parent's code mid-callback
      napi_fatal_exception(env, e.Value());
    }
  }

  void Close() {
    if (handle_ == nullptr) return;
    uv_poll_stop(handle_);
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), FreeHandle);
    handle_ = nullptr;
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) {
      Close();
      Unref();
    }
    return info.Env().Undefined();
  }

  // pause()/resume(): stop and restart watching without giving up the handle, for
  // a caller that waits on the same fd again and again (a new handle per wait
  // costs ~20 us in allocations, epoll_ctl calls and garbage). The caller must
  // stop() the watch before the fd is closed.
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_poll_stop(handle_);
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    if (handle_ == nullptr) throw Napi::Error::New(info.Env(), "FdWatch.resume(): the watch was stopped");
    int err = uv_poll_start(handle_, events_, OnPoll);
    if (err != 0) ThrowErrno(info.Env(), -err, "uv_poll_start");
    return info.Env().Undefined();
  }

  Napi::Value RefLoop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefLoop(const Napi::CallbackInfo& info) {
    if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    return info.Env().Undefined();
  }

  Napi::FunctionReference callback_;
  Napi::AsyncContext async_context_;
  uv_poll_t* handle_ = nullptr;
  int events_ = kUvReadable;
};

void InitFdWatch(Napi::Env env, Napi::Object exports) { exports.Set("FdWatch", FdWatch::Define(env)); }

}  // namespace pmp
