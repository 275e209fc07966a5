# Python's multiprocessing.Lock / Event, measured the way bench/sync.js measures
# ours. Prints one JSON object. Run by bench/sync.js when python3 is present.
import json, multiprocessing as mp, os, sys, time, statistics

ROUNDS = 5
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
CONTENDED_N = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
WAKES = int(sys.argv[3]) if len(sys.argv) > 3 else 2000


def uncontended():
    lock = mp.Lock()
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter_ns()
        for _ in range(N):
            lock.acquire()
            lock.release()
        times.append((time.perf_counter_ns() - start) / N)
    return statistics.median(times)


def hammer(lock, n):
    for _ in range(n):
        lock.acquire()
        lock.release()


def contended():
    times = []
    for _ in range(3):
        lock = mp.Lock()
        other = mp.Process(target=hammer, args=(lock, CONTENDED_N))
        start = time.perf_counter_ns()
        other.start()
        hammer(lock, CONTENDED_N)
        other.join()
        times.append((time.perf_counter_ns() - start) / (2 * CONTENDED_N))
    return statistics.median(times)


def setter(ping, pong, stamp, n):
    for _ in range(n):
        ping.wait()
        ping.clear()
        stamp.value = time.monotonic_ns()
        pong.set()


def wakeup():
    ping, pong = mp.Event(), mp.Event()
    stamp = mp.RawValue('q', 0)
    other = mp.Process(target=setter, args=(ping, pong, stamp, WAKES))
    other.start()
    samples = []
    for _ in range(WAKES):
        ping.set()
        pong.wait()
        samples.append(time.monotonic_ns() - stamp.value)
        pong.clear()
    other.join()
    return statistics.median(samples)


if __name__ == '__main__':
    mp.set_start_method('fork')
    print(json.dumps({'uncontended_ns': uncontended(), 'contended_ns': contended(), 'wakeup_ns': wakeup()}))
