// The few libuv entry points we need. Node-API does not ship uv.h (the cmake-js
// build uses node-api-headers only), but the node binary exports these symbols
// and their ABI is stable within libuv 1.x.
#pragma once
#include <stddef.h>

extern "C" {
typedef struct uv_loop_s uv_loop_t;
typedef struct uv_handle_s uv_handle_t;
typedef struct uv_poll_s uv_poll_t;
typedef void (*uv_poll_cb)(uv_poll_t* handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t* handle);
typedef struct uv_check_s uv_check_t;
typedef void (*uv_check_cb)(uv_check_t* handle);

size_t uv_handle_size(int type);
int uv_loop_fork(uv_loop_t* loop);
int uv_loop_alive(const uv_loop_t* loop);
int uv_run(uv_loop_t* loop, int mode);
int uv_poll_init(uv_loop_t* loop, uv_poll_t* handle, int fd);
int uv_poll_start(uv_poll_t* handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t* handle);
void uv_close(uv_handle_t* handle, uv_close_cb close_cb);
void uv_ref(uv_handle_t* handle);
void uv_unref(uv_handle_t* handle);
int uv_check_init(uv_loop_t* loop, uv_check_t* check);
int uv_check_start(uv_check_t* check, uv_check_cb cb);
int uv_check_stop(uv_check_t* check);
}

namespace pmp {
// Values from uv.h (libuv 1.x): the handle type enum and poll event bits.
constexpr int kUvCheckHandleType = 2;  // UV_CHECK
constexpr int kUvPollHandleType = 8;   // UV_POLL
constexpr int kUvReadable = 1;         // UV_READABLE
constexpr int kUvRunOnce = 1;          // UV_RUN_ONCE
constexpr int kUvRunNoWait = 2;        // UV_RUN_NOWAIT
}  // namespace pmp
