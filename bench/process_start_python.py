# Python's multiprocessing figures for bench/process_start.js: time to the child's
# first line (median of 15) and start+join of 100 children, per start method.
import json, multiprocessing as mp, os, statistics, tempfile, time


def stamp(path):
    with open(path, 'w') as f:
        f.write(repr(time.monotonic_ns()))


def nothing():
    pass


def measure(method):
    ctx = mp.get_context(method)
    path = os.path.join(tempfile.gettempdir(), 'pmp-bench-py-%d' % os.getpid())
    samples = []
    for _ in range(16):
        p = ctx.Process(target=stamp, args=(path,))
        t0 = time.monotonic_ns()
        p.start()
        p.join()
        with open(path) as f:
            samples.append((int(f.read()) - t0) / 1e6)
    os.unlink(path)
    t0 = time.monotonic()
    procs = [ctx.Process(target=nothing) for _ in range(100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return {'first': statistics.median(samples[1:]), 'hundred': (time.monotonic() - t0) * 1000}


if __name__ == '__main__':
    print(json.dumps({m: measure(m) for m in ('fork', 'forkserver', 'spawn')}))
