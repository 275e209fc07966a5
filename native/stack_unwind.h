// Leaving the JavaScript stack of a forked child (stack_unwind.cc).
#pragma once

namespace pmp {
// True from unwindJavaScriptStack() until the loop's next check phase: a call
// into JavaScript that fails meanwhile was cut short by the unwind, not by an error.
bool LeavingJavaScriptStack();
}  // namespace pmp
