"""A class on a small machine (`pytest -m slow -s -n 0 tests/test_serve_load.py`): 10
browser sessions of `backprop-tui serve` at once, all training at the default pace cap
(30 epochs a second), in one headless Chromium on this machine. It prints the key latency
in one of them (key down to the first message from the server that shows the change),
each session's memory and training rate, and checks that every one trains and that every
app process is gone once the tabs close (and the grace, 1 s here, is over). Latency is
reported, not asserted."""

import os
import re
import statistics
import time
from pathlib import Path

import pytest
from servehelpers import children, start_server, stop_server, wait_for
from test_serve_browser import CHROMIUM, WAIT_MS, browser, open_app, student  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no system Chromium (apt-get install chromium)"),
]
SESSIONS = 10
PRESSES = 40  # + and - in turn: the learning rate 0.03 -> 0.1 -> 0.03 ...


def memory_kb(pid: int) -> tuple[int, int]:
    """(resident, proportional) set size of a process, in kB (PSS shares shared pages)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    pss = int(re.search(r"Pss:\s+(\d+)", rollup).group(1))
    return rss, pss


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def epoch_shown(page) -> int:
    """The last epoch the page's status line showed."""
    found = re.findall(r"ep ([\d,]+)", page.evaluate("window.__screen().slice(-20000)"))
    return int(found[-1].replace(",", "")) if found else 0


def test_ten_sessions_at_once(browser, tmp_path):  # noqa: F811
    flags = os.environ.get("SERVE_LOAD_FLAGS", "").split()  # e.g. "--max-pace 30"
    log = tmp_path / "server.log"
    load = Path("/proc/loadavg").read_text().split()[0]  # others' work on the machine
    server, url = start_server("--max-sessions", str(SESSIONS), "--grace", "1", *flags, log=log)
    try:
        pages = [student(browser) for _ in range(SESSIONS)]
        for page in pages:  # each a student of their own, on the teacher's run
            open_app(page, url + "run", WAIT_MS * 5)
        sessions = children(server.pid)
        assert len(sessions) == SESSIONS, log.read_text()[-3000:]
        time.sleep(5)  # all of them training for a while
        before, started = [epoch_shown(p) for p in pages], time.monotonic()
        cpu_before = cpu_seconds(sessions), cpu_seconds([server.pid])
        watched = pages[0]
        latencies = []
        for i in range(PRESSES):
            key, then = ("+", "lr 0.1") if i % 2 == 0 else ("-", "lr 0.03")
            watched.keyboard.press(key)
            watched.wait_for_function(f"window.__since().includes({then!r})", timeout=WAIT_MS * 5)
            latencies.append(watched.evaluate(f"window.__latency({then!r})"))
            time.sleep(0.25)
        after = [epoch_shown(p) for p in pages]
        seconds = time.monotonic() - started
        cpu = [
            (cpu_seconds(p) - b) / seconds
            for p, b in zip((sessions, [server.pid]), cpu_before, strict=True)
        ]
        rates = [(a - b) / seconds for a, b in zip(after, before, strict=True)]
        memory = [memory_kb(pid) for pid in sessions]
        assert all(a > b for a, b in zip(after, before, strict=True))  # every one trains

        closed = time.monotonic()
        for page in pages:  # their runs wait --grace 1 s for them, then end
            page.close()
        assert wait_for(lambda: children(server.pid) == [], timeout=30)
        gone = time.monotonic() - closed
    finally:
        stop_server(server)

    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    rss = [r for r, _ in memory]
    pss = [p for _, p in memory]
    print(
        f"\n{SESSIONS} sessions: key latency over {PRESSES} keys: median "
        f"{statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms"
        f"\nmemory per session: RSS {statistics.mean(rss) / 1024:.0f} MB "
        f"({min(rss) / 1024:.0f}-{max(rss) / 1024:.0f}), PSS {statistics.mean(pss) / 1024:.0f} MB"
        f"\nepochs a second per session: {', '.join(f'{r:.0f}' for r in rates)}"
        f"\nCPU: the apps {cpu[0]:.0%} of a core in all, the server {cpu[1]:.0%}"
        f" (load average before: {load}; flags: {' '.join(flags) or 'defaults'})"
        f"\nall {SESSIONS} app processes gone {gone:.1f} s after the tabs closed"
    )
