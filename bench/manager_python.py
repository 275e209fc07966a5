# Python's multiprocessing.Manager dict, measured the way bench/manager.js
# measures ours: calls per second from one client, median of ROUNDS. Prints one
# JSON object. Run by bench/manager.js when python3 is present.
import json, multiprocessing as mp, statistics, sys, time

ROUNDS = 5
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000


def rate(fn):
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(N / (time.perf_counter() - start))
    return statistics.median(times)


if __name__ == '__main__':
    with mp.Manager() as manager:
        d = manager.dict()

        def sets():
            for i in range(N):
                d[i % 100] = i

        def gets():
            for i in range(N):
                d.get(i % 100)

        sets()
        print(json.dumps({'set': rate(sets), 'get': rate(gets)}))
