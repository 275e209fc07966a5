# Python baseline for bench/ipc.js: one producer -> one consumer process through
# multiprocessing.Queue and Pipe (fork), 64-byte bytes, a small dict, 1 MiB
# bytes; plus 64-byte ping-pong. Prints median seconds (of 3) as JSON.
import json, multiprocessing as mp, sys, time

SMALL_N, BIG_N, PING_N = (int(a) for a in sys.argv[1:4])
PAYLOADS = {
    '64 B Buffer': (lambda: b'\x07' * 64, SMALL_N),
    'small object': (lambda: {'id': 42, 'name': 'widget', 'tags': ['a', 'b'], 'price': 9.99, 'ok': True}, SMALL_N),
    '1 MiB Buffer': (lambda: b'\x07' * (1 << 20), BIG_N),
}

def consume_queue(q, n, done):
    for _ in range(n):
        q.get()
    done.send(time.perf_counter())

def consume_pipe(r, n, done, as_bytes):
    for _ in range(n):
        r.recv_bytes() if as_bytes else r.recv()
    done.send(time.perf_counter())

def run_queue(make, n):
    q = mp.Queue()
    done_r, done_w = mp.Pipe(False)
    p = mp.Process(target=consume_queue, args=(q, n, done_w))
    p.start()
    item = make()
    start = time.perf_counter()
    for _ in range(n):
        q.put(item)
    end = done_r.recv()
    p.join()
    return end - start

def run_pipe(make, n):
    r, w = mp.Pipe(False)
    done_r, done_w = mp.Pipe(False)
    item = make()
    as_bytes = isinstance(item, bytes)
    p = mp.Process(target=consume_pipe, args=(r, n, done_w, as_bytes))
    p.start()
    start = time.perf_counter()
    for _ in range(n):
        w.send_bytes(item) if as_bytes else w.send(item)
    end = done_r.recv()
    p.join()
    return end - start

def pong_pipe(c, n):
    for _ in range(n):
        c.send_bytes(c.recv_bytes())

def pong_queue(there, back, n):
    for _ in range(n):
        back.put(there.get())

def ping(kind):
    msg = b'\x00' * 64
    if kind == 'pipe':
        a, b = mp.Pipe()
        p = mp.Process(target=pong_pipe, args=(b, PING_N + 100)); p.start()
        send, recv = a.send_bytes, a.recv_bytes
    else:
        there, back = mp.Queue(), mp.Queue()
        p = mp.Process(target=pong_queue, args=(there, back, PING_N + 100)); p.start()
        send, recv = there.put, back.get
    for _ in range(100):
        send(msg); recv()
    start = time.perf_counter()
    for _ in range(PING_N):
        send(msg); recv()
    us = (time.perf_counter() - start) / PING_N * 1e6
    p.join()
    return us

def median(xs):
    return sorted(xs)[len(xs) // 2]

if __name__ == '__main__':
    mp.set_start_method('fork')
    out = {'queue': {}, 'pipe': {}, 'ping': {}}
    for name, (make, n) in PAYLOADS.items():
        out['queue'][name] = median([run_queue(make, n) for _ in range(3)])
        out['pipe'][name] = median([run_pipe(make, n) for _ in range(3)])
    out['ping']['pipe'] = median([ping('pipe') for _ in range(3)])
    out['ping']['queue'] = median([ping('queue') for _ in range(3)])
    print(json.dumps(out))
