// Which backend this process runs, decided once (as node-pty and
// @parcel/watcher pick a platform implementation):
//   posix     the C++ addon: fork, futexes, shared memory, fd passing (Linux, macOS);
//   portable  plain Node: the spawn start method, shared state held by a broker
//             process (Windows, and anywhere the addon cannot load).
// PMP_BACKEND=posix|portable forces one. The public classes never touch the
// OS themselves: they ask kernels() for the operations (lib/kernel.ts), so the
// addon is loaded only when the posix kernels are, and never under portable.
import { CodedError } from './errors';
import type { Kernels } from './kernel';

export type BackendName = 'posix' | 'portable';

/** The environment variable that forces a backend; children inherit the parent's choice through it. */
export const BACKEND_ENV = 'PMP_BACKEND';

let chosen: BackendName | null = null;
let loaded: Kernels | null = null;

function forced(): BackendName | null {
  const value = process.env[BACKEND_ENV];
  if (value === undefined || value === '') return null;
  if (value === 'posix' || value === 'portable') return value;
  throw new CodedError(
    'ERR_INVALID_ARG_VALUE',
    `${BACKEND_ENV}=${value} names no backend: use ${BACKEND_ENV}=posix or ${BACKEND_ENV}=portable, or leave it unset`,
  );
}

/** Errors that say the process ran short of something for now, not that the addon cannot load here. */
const SHORTAGES = new Set(['EMFILE', 'ENFILE', 'ENOMEM']);

/**
 * The shortage behind a failed load, if it was one. Node 22 and later report
 * a package.json they could not open for want of an fd (node-gyp-build's, as
 * the addon loads) as ERR_INVALID_PACKAGE_CONFIG, with the errno only in the
 * message.
 */
function shortageCode(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code !== undefined && SHORTAGES.has(code)) return code;
  if (code !== 'ERR_INVALID_PACKAGE_CONFIG') return null;
  const message = String((err as Error).message);
  if (/too many open files in system/i.test(message)) return 'ENFILE';
  if (/too many open files/i.test(message)) return 'EMFILE';
  if (/cannot allocate memory|out of memory/i.test(message)) return 'ENOMEM';
  return null;
}

/**
 * Whether the addon loads here; the first line of why not, when it does not.
 * A shortage (no fd left to open the file) is thrown instead: the process
 * must not settle on the portable backend for good because of a moment.
 */
function addonProblem(): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the addon is the question
    require('./internal/native');
    return null;
  } catch (err) {
    const shortage = shortageCode(err);
    if (shortage !== null) {
      (err as NodeJS.ErrnoException).code = shortage;
      (err as Error).message +=
        ' (posix-multiprocessing could not load its addon: this process is out of file descriptors or memory; ' +
        'close what it no longer uses, or raise the limit with ulimit -n, and call again)';
      throw err;
    }
    return String((err as Error)?.message ?? err).split('\n')[1] ?? String(err);
  }
}

function choose(): BackendName {
  const wanted = forced();
  if (wanted) return wanted;
  if (process.platform === 'win32') return 'portable';
  const problem = addonProblem();
  if (problem === null) return 'posix';
  process.emitWarning(
    `posix-multiprocessing uses its portable backend: ${problem} ` +
      `For the posix backend build the addon (npm rebuild posix-multiprocessing); ${BACKEND_ENV}=portable silences this.`,
    { code: 'PMP_PORTABLE_BACKEND' },
  );
  // Children decide the same way without warning again.
  process.env[BACKEND_ENV] = 'portable';
  return 'portable';
}

/** The backend of this process: 'posix' (the addon) or 'portable' (plain Node). */
export function backend(): BackendName {
  chosen ??= choose();
  return chosen;
}

/** The OS-facing operations of this process's backend; loads them on first use. */
export function kernels(): Kernels {
  if (loaded) return loaded;
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose: only one backend is ever loaded */
  loaded =
    backend() === 'posix'
      ? (require('./kernels/posix') as typeof import('./kernels/posix')).posixKernels
      : (require('./kernels/portable') as typeof import('./kernels/portable')).portableKernels;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}

/** For posix-only features (posix.*, fork, forkserver): throws ERR_BACKEND_UNSUPPORTED under portable. */
export function requirePosix(feature: string): void {
  if (backend() === 'posix') return;
  throw new CodedError(
    'ERR_BACKEND_UNSUPPORTED',
    `${feature} needs the posix backend (the native addon), and this process runs the portable one ` +
      `(${process.platform === 'win32' ? 'Windows' : `${BACKEND_ENV}=portable, or the addon does not load`}). ` +
      "Use the 'spawn' start method and the classes of the package, which work under both backends.",
  );
}
