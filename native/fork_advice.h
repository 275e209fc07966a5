// Node marks its V8 heap MADV_DONTFORK, so a plain fork() child has no JS heap.
// Before fork() we find exactly those mappings, mark them MADV_DOFORK, and put
// MADV_DONTFORK back afterwards in both processes, so later child_process.spawn
// calls (fork+exec) stay as cheap as before.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

namespace pmp {

struct AddressRange {
  uintptr_t start;
  uintptr_t end;
};

// How to find the MADV_DONTFORK mappings:
//  "probe": fork a tiny raw child that reports which mappings it did not inherit
//           (exact; cost does not grow with the heap's resident size).
//  "smaps": read VmFlags ("dc") from /proc/self/smaps (exact, but the kernel walks
//           every page table: slow at large heaps).
//  "anon":  every anonymous private mapping from /proc/self/maps (cheap, inexact,
//           never restored; kept for measurement only).
enum class AdviceMode { kProbe, kSmaps, kAnon };

bool ParseAdviceMode(const std::string& name, AdviceMode* mode);

// Returns 0 and fills `ranges`, or an errno value with `syscall` set.
int FindDontForkRanges(AdviceMode mode, std::vector<AddressRange>* ranges, const char** failed_syscall);

void AdviseRanges(const std::vector<AddressRange>& ranges, int advice);

}  // namespace pmp
