# Python baseline for bench/portable.js: 64-byte bytes through multiprocessing.Queue
# from the parent to one consumer process (fork). Prints the median msg/s as JSON.
import json, multiprocessing as mp, sys, time

N, ROUNDS = int(sys.argv[1]), int(sys.argv[2])

def consume(q, n, done):
    for _ in range(n):
        q.get()
    done.send(time.perf_counter())

def rate():
    q = mp.Queue()
    done_r, done_w = mp.Pipe(False)
    p = mp.Process(target=consume, args=(q, N, done_w))
    p.start()
    item = b'\x07' * 64
    start = time.perf_counter()
    for _ in range(N):
        q.put(item)
    end = done_r.recv()
    p.join()
    return N / (end - start)

if __name__ == '__main__':
    rates = sorted(rate() for _ in range(ROUNDS))
    print(json.dumps({'queue': rates[len(rates) // 2]}))
