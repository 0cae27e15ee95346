"""Helpers for the tests of `backprop-tui serve`: what a served app sends as plain text,
the server in a process of its own, and a page's record of its websocket in Chromium."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import waiting
from waiting import DEADLINE

# CSI sequences (colours, cursor moves, modes), charset choices, keypad modes
ANSI = re.compile(r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def plain(text: str) -> str:
    """Terminal output without its escape sequences: the words the screen shows, in the
    order they were written (a cursor move between two cells leaves them side by side)."""
    return ANSI.sub("", text)


def packets_text(raw: bytes) -> str:
    """The data packets of an app's output (after its __GANGLION__ line) as plain text."""
    _, _, raw = raw.partition(b"__GANGLION__\n")
    out, i = [], 0
    while i + 5 <= len(raw):
        kind, size = raw[i : i + 1], int.from_bytes(raw[i + 1 : i + 5], "big")
        if kind == b"D":
            out.append(raw[i + 5 : i + 5 + size].decode("utf-8", "replace"))
        i += 5 + size
    return plain("".join(out))


# A page's own record of what its websocket brought, as plain text with the time it came
# (the app's screen arrives as terminal output; xterm.js draws it on a canvas, where a
# test cannot read it): __since() is the text since the last key, __latency(words) the
# milliseconds from that key to the first message holding the words.
BROWSER_HOOK = r"""
(() => {
  const out = [];
  let mark = 0;
  const ESC = /\x1b\[[0-9;?<>=$]*[ -\/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]/g;
  const Native = window.WebSocket;
  window.__sockets = [];  // to close one as a dropped connection would
  window.WebSocket = function (url, protocols) {
    const ws = new Native(url, protocols);
    window.__sockets.push(ws);
    ws.addEventListener("message", (e) => {
      if (typeof e.data !== "string") {
        out.push([performance.now(), new TextDecoder().decode(e.data).replace(ESC, "")]);
      }
    });
    return ws;
  };
  document.addEventListener("keydown", () => { mark = performance.now(); }, true);
  window.__screen = () => out.map((x) => x[1]).join("");
  window.__since = () => out.filter((x) => x[0] >= mark).map((x) => x[1]).join("");
  window.__latency = (words) => {
    const hit = out.find((x) => x[0] >= mark && x[1].includes(words));
    return hit ? hit[0] - mark : -1;
  };
})();
"""

# Debian's chromium, headless, as root, on a machine with no network but the registries
# (without the background-networking flags it keeps trying to reach Google)
CHROMIUM_FLAGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system's Chromium (never a downloaded one): $CHROMIUM, or chromium on the PATH."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    return found if found and os.access(found, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*flags: str, log=None, timeout: float = 20.0) -> tuple[subprocess.Popen, str]:
    """`backprop-tui serve` on 127.0.0.1 and a free port, once it answers; its address.
    ``log``: a file for what it prints (by default, nowhere)."""
    port = free_port()
    out = open(log, "w") if log is not None else subprocess.DEVNULL  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", str(port), *flags],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        # Ctrl+C stops it (stop_server), even where the tests run in a shell's background
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    end = time.monotonic() + timeout
    while time.monotonic() < end and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"backprop-tui serve did not start (exit code {server.poll()})")


def stop_server(server: subprocess.Popen) -> None:
    """Ctrl+C, as a teacher stops it; killed if it does not end."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid`` (the server's sessions)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and "zombie" not in fields["State"]:
            found.append(int(status.parent.name))
    return found


def wait_for(predicate, timeout: float = DEADLINE) -> bool:
    """``waiting.wait_for`` at a browser's pace (a look every 0.05 s)."""
    return waiting.wait_for(predicate, timeout, every=0.05)
