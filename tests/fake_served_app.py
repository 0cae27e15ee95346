"""A stand-in for the app behind `backprop-tui serve`, for the server's tests: it speaks
textual-serve's protocol (a ``__GANGLION__`` line, then packets: a type byte, a 4-byte
length, the payload), says its command line in its first data packet, echoes the keys it
gets, and quits when asked (``--stubborn``: never; it must be killed)."""

import json
import os
import sys


def packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def packets(stream):
    while True:
        head = stream.read(5)
        if len(head) < 5:
            return
        yield head[:1], stream.read(int.from_bytes(head[1:], "big"))


def main() -> None:
    out = sys.stdout.buffer
    out.write(b"__GANGLION__\n")
    hello = {"argv": sys.argv[1:], "pid": os.getpid(), "cwd": os.getcwd()}
    out.write(packet(b"D", json.dumps(hello).encode()))
    out.flush()
    for kind, payload in packets(sys.stdin.buffer):
        if kind == b"D":
            out.write(packet(b"D", b"key:" + payload))
            out.flush()
        elif json.loads(payload).get("type") == "quit" and "--stubborn" not in sys.argv:
            out.write(packet(b"M", json.dumps({"type": "exit"}).encode()))
            out.flush()
            return


if __name__ == "__main__":
    main()
