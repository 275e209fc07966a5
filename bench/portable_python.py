# Python baselines for bench/portable.js: 64-byte bytes through multiprocessing.Queue
# from the parent to one consumer process (fork), and a 64-byte round trip through
# two os.pipe()s to a forked echo process: the floor under any call to another
# process on this machine (two wake-ups). Prints the medians as JSON.
import json, multiprocessing as mp, os, sys, time

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

def pipe_round_trip_us(n=5000):
    child_reads, parent_writes = os.pipe()
    parent_reads, child_writes = os.pipe()
    pid = os.fork()
    if pid == 0:
        # Only its own ends stay open: the parent's close must reach it as end of file.
        os.close(parent_writes)
        os.close(parent_reads)
        while True:
            data = os.read(child_reads, 64)
            if not data:
                os._exit(0)
            os.write(child_writes, data)
    os.close(child_reads)
    os.close(child_writes)
    item = b'\x07' * 64
    start = time.perf_counter()
    for _ in range(n):
        os.write(parent_writes, item)
        os.read(parent_reads, 64)
    took = time.perf_counter() - start
    os.close(parent_writes)
    os.close(parent_reads)
    os.waitpid(pid, 0)
    return took / n * 1e6

if __name__ == '__main__':
    rates = sorted(rate() for _ in range(ROUNDS))
    trips = sorted(pipe_round_trip_us() for _ in range(ROUNDS))
    print(json.dumps({'queue': rates[len(rates) // 2], 'pipe_round_trip_us': trips[len(trips) // 2]}))
