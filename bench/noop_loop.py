#!/usr/bin/env python3
"""Sequential NOOP round trips over a raw socket: the view of a plain, non-.NET client (bench/README.md).

    noop_loop.py HOST PORT USER PASSWORD COUNT

Logs in, sends COUNT NOOPs one at a time (each waits for its tagged OK), logs out, and prints
"p50_us p99_us" of the round trips. Python's own cost per round trip is in every path alike.
"""
import socket
import sys
import time


def main():
    host, port, user, password, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
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
    times = []
    for _ in range(count):
        start = time.perf_counter_ns()
        sock.sendall(command)
        read_until(b"n ")
        times.append(time.perf_counter_ns() - start)

    sock.sendall(b"z LOGOUT\r\n")
    read_until(b"z ")
    sock.close()
    times.sort()
    print("%.1f %.1f" % (times[len(times) // 2] / 1000, times[min(len(times) - 1, len(times) * 99 // 100)] / 1000))


if __name__ == "__main__":
    main()
