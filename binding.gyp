{
  "targets": [
    {
      "target_name": "posix_multiprocessing",
      "sources": [
        "native/addon.cc",
        "native/child_platform.cc",
        "native/errors.cc",
        "native/fd_io.cc",
        "native/fd_passing.cc",
        "native/fd_watch.cc",
        "native/fork_advice.cc",
        "native/futex.cc",
        "native/futex_waiter.cc",
        "native/process.cc",
        "native/receive_memory.cc",
        "native/ring.cc",
        "native/semaphore.cc",
        "native/shm.cc",
        "native/stack_unwind.cc",
        "native/timeout.cc",
        "native/unix_socket.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "conditions": [["OS==\"linux\"", { "libraries": ["-ldl"], "ldflags": ["-Wl,-z,now"] }]],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      }
    }
  ]
}
