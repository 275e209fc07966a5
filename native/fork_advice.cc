#include "fork_advice.h"

#include "posix_call.h"

#if defined(__linux__)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#endif

namespace pmp {

bool ParseAdviceMode(const std::string& name, AdviceMode* mode) {
  if (name == "probe")
    *mode = AdviceMode::kProbe;
  else if (name == "smaps")
    *mode = AdviceMode::kSmaps;
  else if (name == "anon")
    *mode = AdviceMode::kAnon;
  else
    return false;
  return true;
}

#if defined(__linux__)

// Reads a whole /proc file with plain syscalls (no allocation, usable in a raw
// child). Returns the byte count, or -errno; `*truncated` when it did not fit.
static ssize_t ReadProcFile(const char* path, char* buf, size_t cap, bool* truncated) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t used = 0;
  *truncated = false;
  for (;;) {
    if (used == cap) {
      *truncated = true;
      break;
    }
    ssize_t n = RetryOnEintr([&] { return read(fd, buf + used, cap - used); });
    if (n < 0) {
      int err = errno;
      close(fd);
      return -err;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  return static_cast<ssize_t>(used);
}

// Where this process reads its own /proc files before each fork, kept for the
// process's lifetime and grown as needed. It is MADV_WIPEONFORK: a child gets
// it zeroed instead of shared, so filling it before the next fork copies no
// page. (A zero-filled string of 256 KiB cost a forkserver, which forks after
// every request, 64 page copies a fork.)
struct ProcFileBuffer {
  char* data = nullptr;
  size_t capacity = 0;
  size_t length = 0;
};

static int ReadProcFileInto(const char* path, ProcFileBuffer* buffer) {
  size_t want = std::max<size_t>(buffer->capacity, 256 * 1024);
  for (;;) {
    if (buffer->capacity < want) {
      if (buffer->data != nullptr) munmap(buffer->data, buffer->capacity);
      void* mem = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (mem == MAP_FAILED) {
        *buffer = ProcFileBuffer();
        return errno;
      }
#if defined(MADV_WIPEONFORK)
      madvise(mem, want, MADV_WIPEONFORK);  // before Linux 4.14 (EINVAL) it is only shared
#endif
      buffer->data = static_cast<char*>(mem);
      buffer->capacity = want;
    }
    // Read after the buffer is mapped: the maps must list it.
    bool truncated = false;
    ssize_t n = ReadProcFile(path, buffer->data, buffer->capacity, &truncated);
    if (n < 0) return static_cast<int>(-n);
    if (!truncated) {
      buffer->length = static_cast<size_t>(n);
      return 0;
    }
    want = buffer->capacity * 2;
  }
}

struct Mapping {
  uintptr_t start;
  uintptr_t end;
  bool anonymous_private;
};

// One /proc/<pid>/maps line: "start-end perms offset dev inode [path]".
static bool ParseMapsLine(const char* line, const char* eol, Mapping* m) {
  char* p = nullptr;
  m->start = strtoull(line, &p, 16);
  if (p >= eol || *p != '-') return false;
  m->end = strtoull(p + 1, &p, 16);
  while (p < eol && *p == ' ') p++;
  const char* perms = p;
  if (eol - perms < 4) return false;
  bool is_private = perms[3] == 'p';
  // Skip perms, offset, dev; then read the inode and look for a path.
  for (int field = 0; field < 3; field++) {
    while (p < eol && *p != ' ') p++;
    while (p < eol && *p == ' ') p++;
  }
  unsigned long long inode = strtoull(p, &p, 10);
  while (p < eol && *p == ' ') p++;
  bool has_path = p < eol;
  m->anonymous_private = is_private && inode == 0 && !has_path;
  return true;
}

static void ParseMaps(const char* buf, size_t len, std::vector<Mapping>* out) {
  const char* end = buf + len;
  for (const char* line = buf; line < end;) {
    const char* eol = static_cast<const char*>(memchr(line, '\n', end - line));
    if (eol == nullptr) eol = end;
    Mapping m;
    if (ParseMapsLine(line, eol, &m)) out->push_back(m);
    line = eol + 1;
  }
}

// Coalesces runs of MADV_DONTFORK mappings that no other mapping separates into
// one range: madvise() skips the unmapped gaps between them (it reports ENOMEM,
// which AdviseRanges ignores, after applying the advice to every mapping in the
// range), so a heap of thousands of chunks costs a handful of syscalls.
static void AppendRun(std::vector<AddressRange>* ranges, bool* in_run, const Mapping& m, bool dont_fork) {
  if (!dont_fork) {
    *in_run = false;
    return;
  }
  if (*in_run)
    ranges->back().end = m.end;
  else
    ranges->push_back({m.start, m.end});
  *in_run = true;
}

// Shared scratch page for the probe child's report; kept for the process lifetime.
struct ProbeReport {
  size_t length;
  int error;
  bool truncated;
  char maps[1];
};

static int FindByProbe(std::vector<AddressRange>* ranges, const char** failed_syscall) {
  static ProbeReport* report = nullptr;
  static size_t report_cap = 0;
  // An idle process (a forkserver) keeps the same mappings between forks: when
  // /proc/self/maps has not changed, the last probe's answer still holds.
  static std::string last_maps;
  static std::vector<AddressRange> last_ranges;
  static ProcFileBuffer own;
  if (int err = ReadProcFileInto("/proc/self/maps", &own)) {
    *failed_syscall = "open";
    return err;
  }
  if (last_maps.compare(0, std::string::npos, own.data, own.length) == 0) {
    *ranges = last_ranges;
    return 0;
  }
  size_t want = std::max<size_t>(own.length * 2 + 4096, 1 << 20);
  for (;;) {
    if (report_cap < want) {
      if (report != nullptr) munmap(report, report_cap);
      void* mem = mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (mem == MAP_FAILED) {
        report = nullptr;
        report_cap = 0;
        *failed_syscall = "mmap";
        return errno;
      }
      report = static_cast<ProbeReport*>(mem);
      report_cap = want;
      // The new mapping may sit in a gap between DONTFORK mappings: list it too,
      // or a coalesced run would cover it and MADV_DONTFORK it after the fork.
      if (int err = ReadProcFileInto("/proc/self/maps", &own)) {
        *failed_syscall = "open";
        return err;
      }
    }
    report->length = 0;
    report->error = 0;
    report->truncated = false;
    // A raw clone: no atfork handlers, and the child only makes syscalls.
    long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
      *failed_syscall = "clone";
      return errno;
    }
    if (pid == 0) {
      bool truncated = false;
      ssize_t n = ReadProcFile("/proc/self/maps", report->maps, report_cap - sizeof(ProbeReport), &truncated);
      if (n < 0)
        report->error = static_cast<int>(-n);
      else
        report->length = static_cast<size_t>(n);
      report->truncated = truncated;
      syscall(SYS_exit_group, 0);
    }
    int status = 0;
    if (RetryOnEintr([&] { return waitpid(static_cast<pid_t>(pid), &status, 0); }) < 0) {
      *failed_syscall = "waitpid";
      return errno;
    }
    // A probe that did not finish reported nothing: never read that as "no mapping is inherited".
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      *failed_syscall = "clone";
      return ECHILD;
    }
    if (report->error != 0) {
      *failed_syscall = "open";
      return report->error;
    }
    if (!report->truncated) break;
    want *= 2;
  }
  std::vector<Mapping> parent_maps, child_maps;
  ParseMaps(own.data, own.length, &parent_maps);
  ParseMaps(report->maps, report->length, &child_maps);
  // fork() copies mappings one by one without merging, so a parent mapping whose
  // start the child lacks was not inherited: it is MADV_DONTFORK.
  std::vector<uintptr_t> inherited;
  inherited.reserve(child_maps.size());
  for (const Mapping& m : child_maps) inherited.push_back(m.start);
  std::sort(inherited.begin(), inherited.end());
  bool in_run = false;
  for (const Mapping& m : parent_maps) {
    AppendRun(ranges, &in_run, m, !std::binary_search(inherited.begin(), inherited.end(), m.start));
  }
  last_maps.assign(own.data, own.length);
  last_ranges = *ranges;
  return 0;
}

static int FindBySmaps(std::vector<AddressRange>* ranges, const char** failed_syscall) {
  static ProcFileBuffer smaps;
  if (int err = ReadProcFileInto("/proc/self/smaps", &smaps)) {
    *failed_syscall = "open";
    return err;
  }
  const char* buf = smaps.data;
  const char* end = buf + smaps.length;
  Mapping current = {0, 0, false};
  bool current_dont_fork = false;
  bool in_run = false;
  for (const char* line = buf; line < end;) {
    const char* eol = static_cast<const char*>(memchr(line, '\n', end - line));
    if (eol == nullptr) eol = end;
    Mapping m;
    if (strncmp(line, "VmFlags:", 8) == 0) {
      for (const char* f = line + 8; f + 2 <= eol; f++) {
        if (f[0] == 'd' && f[1] == 'c' && f[-1] == ' ' && (f + 2 == eol || f[2] == ' ')) {
          current_dont_fork = true;
          break;
        }
      }
    } else if (line < eol && isxdigit(static_cast<unsigned char>(*line)) && memchr(line, '-', eol - line) != nullptr &&
               ParseMapsLine(line, eol, &m)) {
      if (current.end != 0) AppendRun(ranges, &in_run, current, current_dont_fork);
      current = m;
      current_dont_fork = false;
    }
    line = eol + 1;
  }
  if (current.end != 0) AppendRun(ranges, &in_run, current, current_dont_fork);
  return 0;
}

static int FindAnonymous(std::vector<AddressRange>* ranges, const char** failed_syscall) {
  static ProcFileBuffer maps;
  if (int err = ReadProcFileInto("/proc/self/maps", &maps)) {
    *failed_syscall = "open";
    return err;
  }
  std::vector<Mapping> all;
  ParseMaps(maps.data, maps.length, &all);
  bool in_run = false;
  for (const Mapping& m : all) AppendRun(ranges, &in_run, m, m.anonymous_private);
  return 0;
}

int FindDontForkRanges(AdviceMode mode, std::vector<AddressRange>* ranges, const char** failed_syscall) {
  switch (mode) {
    case AdviceMode::kProbe: return FindByProbe(ranges, failed_syscall);
    case AdviceMode::kSmaps: return FindBySmaps(ranges, failed_syscall);
    case AdviceMode::kAnon: return FindAnonymous(ranges, failed_syscall);
  }
  return 0;
}

void AdviseRanges(const std::vector<AddressRange>& ranges, int advice) {
  // Failures are ignored on purpose: ENOMEM only reports the gaps inside a run,
  // and a mapping that refuses the advice (VM_IO) is not part of the JS heap.
  for (const AddressRange& r : ranges) {
    madvise(reinterpret_cast<void*>(r.start), r.end - r.start, advice);
  }
}

#else  // !__linux__: no MADV_DONTFORK elsewhere, nothing to undo.

int FindDontForkRanges(AdviceMode, std::vector<AddressRange>*, const char**) { return 0; }
void AdviseRanges(const std::vector<AddressRange>&, int) {}

#endif

}  // namespace pmp
