"""A stand-in for the app behind `backprop-tui serve`, for the server's tests: it speaks
textual-serve's protocol (a ``__GANGLION__`` line, then packets: a type byte, a 4-byte
length, the payload), says its command line, process id and screen size in its first data
packet, echoes the keys it gets (``key:...``) and the server's messages (``attach:WxH``,
``resize:WxH``), writes the file a ``save`` asks for, leaves on the key q (as the served
app does once its student says yes), and quits when asked (``--stubborn``: never; it must
be killed)."""

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

    def say(kind: bytes, payload: bytes) -> None:
        out.write(packet(kind, payload))
        out.flush()

    out.write(b"__GANGLION__\n")
    size = f"{os.environ.get('COLUMNS')}x{os.environ.get('ROWS')}"
    hello = {"argv": sys.argv[1:], "pid": os.getpid(), "cwd": os.getcwd(), "size": size}
    say(b"D", json.dumps(hello).encode())
    for kind, payload in packets(sys.stdin.buffer):
        if kind == b"D":
            say(b"D", b"key:" + payload)
            if payload == b"q":
                say(b"M", json.dumps({"type": "leave"}).encode())
            continue
        meta = json.loads(payload)
        if meta["type"] in ("attach", "resize"):
            say(b"D", f"{meta['type']}:{meta['width']}x{meta['height']}".encode())
        elif meta["type"] == "save":
            with open(meta["path"], "wb") as f:
                f.write(b"a run of pid %d" % os.getpid())
        elif meta["type"] == "quit" and "--stubborn" not in sys.argv:
            say(b"M", json.dumps({"type": "exit"}).encode())
            return


if __name__ == "__main__":
    main()
