// Makes a forked child's V8 platform report no worker threads (see
// child_platform.cc for why Node 26 needs it).
#pragma once

namespace pmp {

// In the parent, on the main thread inside a JS call, before fork(): finds
// Node's platform and prepares the child's view of it (once per process).
void PrepareChildPlatform();

// In the child, right after fork(): no allocation, no lock.
void BecomeChildPlatform();

// Whether PrepareChildPlatform() found everything it needs.
bool ChildPlatformReady();

}  // namespace pmp
