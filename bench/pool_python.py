# Python's multiprocessing.Pool on the workloads of bench/pool.js; prints JSON
# of median seconds per workload. Usage: python3 bench/pool_python.py N ROUNDS APPLIES
import json, statistics, sys, time
from multiprocessing import Pool

def double(x):
    return x * 2

def main():
    n, rounds, applies = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    items = list(range(n))
    out = {}
    with Pool(2) as pool:
        pool.map(double, range(1000))  # warm up
        for name, chunksize in (('map_default', None), ('map_chunk1', 1)):
            times = []
            for _ in range(rounds):
                t = time.perf_counter()
                pool.map(double, items, chunksize)
                times.append(time.perf_counter() - t)
            out[name] = statistics.median(times)
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            for i in range(applies):
                pool.apply(double, (i,))
            times.append(time.perf_counter() - t)
        out['apply'] = statistics.median(times)
    print(json.dumps(out))

if __name__ == '__main__':
    main()
