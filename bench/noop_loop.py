#!/usr/bin/env python3
"""Sequential NOOP round trips over a raw socket: the view of a plain, non-.NET client (bench/README.md).

    noop_loop.py HOST PORT USER PASSWORD COUNT [PID,PID,...]

Logs in, sends WARMUP NOOPs untimed, then COUNT NOOPs one at a time (each waits for its tagged OK), logs
out, and prints "p50_us p99_us cpu_us runs client_cpu_us jit_us":
- p50/p99 of the round trips (Python's own cost per round trip is in every path alike);
- cpu_us: CPU time the processes PID,... spent per NOOP (the proxy's threads, from
  /proc/PID/task/*/schedstat: nanoseconds on a CPU), "nan" when no PID is given;
- runs: how many times one of their threads was put on a CPU per NOOP (schedstat's timeslices): two is one
  wake-up per direction, more is thread hand-offs or preemption;
- client_cpu_us: this client's own CPU per NOOP, a gauge of how loaded the machine was (about 7 us quiet);
- jit_us: the part of cpu_us spent by .NET's background compiler thread (".NET Tiered Com..."): tier-up work
  that a young process does while the loop runs (0 for nginx).
CPU time counts only what ran, so it survives a loaded machine better than the latencies do.
"""
import os
import socket
import sys
import time

WARMUP = 200


def sched(pids):
    """Each thread of the processes: (nanoseconds on a CPU, timeslices, whether it is .NET's JIT thread), by thread id."""
    threads = {}
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    fields = f.read().split()
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    name = f.read()
            except OSError:
                continue  # the thread ended meanwhile
            threads[tid] = (int(fields[0]), int(fields[2]), name.startswith(".NET Tiered"))
    return threads


def sched_delta(before, after):
    """Nanoseconds, timeslices and the JIT thread's nanoseconds between two readings, thread by thread: a thread
    that started meanwhile counts whole, one that ended counts nothing (a sum per reading let an ended thread take
    its whole life's time out of the difference)."""
    ns = slices = jit = 0
    for tid, (ns1, slices1, is_jit) in after.items():
        ns0, slices0, _ = before.get(tid, (0, 0, is_jit))
        ns += ns1 - ns0
        slices += slices1 - slices0
        if is_jit:
            jit += ns1 - ns0
    return ns, slices, jit


def main():
    host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    pids = [int(p) for p in sys.argv[6].split(",") if p] if len(sys.argv) > 6 else []
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""

    def read_until(prefix):
        nonlocal buf
        while True:
            nl = buf.find(b"\n")
            while nl < 0:
                chunk = sock.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed")
                buf += chunk
                nl = buf.find(b"\n")
            line, buf = buf[: nl + 1], buf[nl + 1:]
            if line.startswith(prefix):
                return line

    read_until(b"* OK")
    sock.sendall(b'l LOGIN "%s" "%s"\r\n' % (user.encode(), password.encode()))
    if not read_until(b"l ").startswith(b"l OK"):
        raise SystemExit("login failed")

    command = b"n NOOP\r\n"
    for _ in range(WARMUP):
        sock.sendall(command)
        read_until(b"n ")

    times = []
    threads0, own0 = sched(pids), time.process_time_ns()
    for _ in range(count):
        start = time.perf_counter_ns()
        sock.sendall(command)
        read_until(b"n ")
        times.append(time.perf_counter_ns() - start)
    threads1, own1 = sched(pids), time.process_time_ns()
    cpu_ns, slices, jit_ns = sched_delta(threads0, threads1)

    sock.sendall(b"z LOGOUT\r\n")
    read_until(b"z ")
    sock.close()
    times.sort()
    cpu = cpu_ns / count / 1000 if pids else float("nan")
    runs = slices / count if pids else float("nan")
    jit = jit_ns / count / 1000 if pids else float("nan")
    print("%.1f %.1f %.2f %.2f %.2f %.2f" % (times[len(times) // 2] / 1000, times[min(len(times) - 1, len(times) * 99 // 100)] / 1000,
                                           cpu, runs, (own1 - own0) / count / 1000, jit))


if __name__ == "__main__":
    main()
