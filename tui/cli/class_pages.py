"""The web pages of ``backprop-tui serve`` besides the app itself: the lessons, the class
is full, the link is wrong, the teacher's view; and what the app's page gets on top of
textual-serve's (a bar with the student's name and their run to download, the pause
sign's font, what to say when the page closes). Plain HTML, nothing fetched from other
sites; every text that comes from a visitor is escaped.
"""

from __future__ import annotations

import re
from html import escape

from .served import duration

TITLE = "backprop-tui"
RETRY = 5  # seconds between two tries of a page waiting for a place
_STYLE = (
    "body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em;"
    "line-height:1.45;color:#1c2830}a{color:#0b5fa5}li{margin:.3em 0}"
    "table{border-collapse:collapse}td,th{padding:.25em .7em;text-align:left;"
    "border-bottom:1px solid #ccd}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "code{background:#eef;padding:0 .2em}"
)


def page(title: str, body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style>{head}</head>"
        f"<body>{body}</body></html>"
    )


_NAME_SCRIPT = """<script>
function keepName(input) {
  document.cookie = "backprop_name=" + encodeURIComponent(input.value.trim()) +
    "; path=/; max-age=31536000; samesite=lax";
}
</script>"""


def lessons_page(
    lessons: list[tuple[str, str]],
    today: tuple[str, str] | None,
    name: str,
    runs: list[tuple[str, str]],
) -> str:
    """``/``: the lessons as links, the teacher's pick first. ``lessons``: (name, one
    line) each; ``today``: (address, what it is); ``runs``: the student's runs (address,
    what)."""
    items = "".join(
        f"<li><a href='/lesson/{escape(n)}'>{escape(n)}</a>: {escape(line)}</li>"
        for n, line in lessons
    )
    first = (
        f"<p><b>Today:</b> <a href='{escape(today[0])}'>{escape(today[1])}</a></p>" if today else ""
    )
    mine = (
        "<h2>Your runs</h2><ul>"
        + "".join(f"<li><a href='{escape(a)}'>{escape(w)}</a></li>" for a, w in runs)
        + "</ul>"
        if runs
        else ""
    )
    body = (
        f"<h1>{TITLE}</h1><p>Watch a neural network learn, step by step, and steer it.</p>"
        "<form method='post' action='/name'><label>Your name (your teacher sees it): "
        f"<input name='name' maxlength='40' value='{escape(name)}' autofocus "
        "oninput='keepName(this)' autocomplete='name'></label> "
        "<button>Save</button></form>"
        f"{first}{mine}<h2>Lessons</h2><p>Each starts a run of your own.</p><ul>{items}</ul>"
    )
    return page(TITLE, body, _NAME_SCRIPT)


def full_page(limit: int, position: int) -> str:
    """A visitor beyond the limit: their place in line; the page asks again by itself."""
    taken = (
        "The one place on this server is taken."
        if limit == 1
        else f"All {limit} places on this server are taken."
    )
    line = "You are next in line" if position == 1 else f"You are number {position} in line"
    body = (
        "<h1>The class is full</h1>"
        f"<p>{taken} {line}: this page tries again every {RETRY} seconds and starts your "
        "session as soon as a place is yours. Keep it open.</p>"
    )
    again = f"<meta http-equiv='refresh' content='{RETRY}'>"
    return page(f"{TITLE}: the class is full", body, again)


def refused_page(given: bool) -> str:
    """No token (401) or a wrong one (403)."""
    if given:
        text = (
            "This link's token is not this class's (the server may have been restarted "
            "with a new one). Ask your teacher for the current link."
        )
    else:
        text = (
            "This class is opened with the link your teacher hands out, which ends in "
            "<code>?token=</code> and a code. Open that link (or ask your teacher for it)."
        )
    body = f"<h1>Not this way in</h1><p>{text}</p>"
    return page(f"{TITLE}: this link does not open the class", body)


def not_found_page(what: str, lessons: list[tuple[str, str]]) -> str:
    names = ", ".join(f"<a href='/lesson/{escape(n)}'>{escape(n)}</a>" for n, _ in lessons)
    body = (
        f"<h1>No lesson {escape(what)}</h1><p>The lessons are {names}.</p>"
        "<p><a href='/'>All lessons</a></p>"
    )
    return page(f"{TITLE}: no such lesson", body)


# --- the app's page ----------------------------------------------------------------------

_FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*")
BAR = 26  # pixels of the bar above the terminal
_APP_HEAD = """
<link rel="preload" href="/fonts/pause-glyph.ttf" as="font" type="font/ttf" crossorigin>
<style>
@font-face { font-family: "Roboto Mono"; src: url("/fonts/pause-glyph.ttf");
  unicode-range: U+23F8; }
#bp-bar { height: BARpx; box-sizing: border-box; padding: 3px 10px; font: 13px sans-serif;
  color: #cfd8dc; background: #12232d; white-space: nowrap; overflow: hidden; }
#bp-bar a { color: #9fd3ff; } #bp-bar input { font-size: 12px; width: 10em; }
#bp-bar form { display: inline; margin-left: 1em; }
body .textual-terminal { height: calc(100vh - BARpx); }
</style>
<script>
document.fonts && document.fonts.load("16px 'Roboto Mono'", "\\u23f8");
(() => {
  // why the server closed this page (a message just before it closes), for its dialog
  let why = null;
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = new Native(url, protocols);
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string" && e.data.startsWith('["backprop_ended"')) {
        why = JSON.parse(e.data)[1];
      }
    });
    ws.addEventListener("close", () => {
      const message = document.querySelector(".closed-dialog .message");
      const button = document.querySelector(".closed-dialog button");
      if (why) {
        message.textContent = why.text;
        button.textContent = why.back;
        return;
      }
      message.textContent = "The connection to the server was lost. Your run goes on " +
        "there for GRACE: reconnecting...";
      button.textContent = "Back to my run";
      const until = Date.now() + GRACE_MS;
      const retry = () => fetch("/alive", {cache: "no-store"})
        .then((r) => { if (r.ok) location.reload(); else throw r; })
        .catch(() => { if (Date.now() < until) setTimeout(retry, 2000); });
      setTimeout(retry, 1000);
    });
    return ws;
  };
})();
async function saveName(form) {
  const name = form.name.value.trim();
  if (!name) return false;
  const r = await fetch("/name", {method: "POST", body: new URLSearchParams({name})});
  if (r.ok) {
    document.getElementById("bp-who").textContent = name;
    form.remove();
  }
  return false;
}
</script>
"""


def app_page(rendered: str, run_id: str, name: str, what: str, grace: float) -> str:
    """textual-serve's page of the app, for one run: titled, fetching nothing from other
    sites, with the bar (who, which lesson, the run to download, the name to give) and
    the script that says why the page closed."""
    head = (
        _APP_HEAD.replace("BAR", str(BAR))
        .replace("GRACE_MS", str(int(grace * 1000)))
        .replace("GRACE", duration(grace))
    )
    ask = (
        ""
        if name
        else "<form onsubmit='saveName(this); return false'>Your name: "
        "<input name='name' maxlength='40' autocomplete='name'> <button>OK</button></form>"
    )
    who = escape(name) if name else "you"
    bar = (
        f"<div id='bp-bar'><b>{TITLE}</b> · <span id='bp-who'>{who}</span> · "
        f"{escape(what)} · <a href='/my-run/{escape(run_id)}' download>download my run</a>"
        f" · <a href='/'>lessons</a>{ask}</div>"
    )
    text = _FONTS.sub("", rendered, count=1)
    text = text.replace("<head>", f"<head>\n    <title>{escape(TITLE)}</title>", 1)
    text = text.replace("</head>", head + "</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + bar, text, count=1)


# --- the teacher's view ------------------------------------------------------------------

_TEACHER_SCRIPT = """<script>
const when = (s) => s == null ? "" : s < 90 ? Math.round(s) + " s" : Math.round(s / 60) + " min";
const cell = (text, cls) => { const td = document.createElement("td");
  td.textContent = text; if (cls) td.className = cls; return td; };
async function refresh() {
  let runs;
  try { runs = await (await fetch("/teacher.json", {cache: "no-store"})).json(); }
  catch (e) { document.getElementById("note").textContent = "The server does not answer."; return; }
  const body = document.getElementById("runs");
  body.replaceChildren();
  for (const r of runs) {
    const tr = document.createElement("tr");
    const page = r.connected ? "open" : "closed, ends in " + when(r.ends_in);
    tr.append(cell(r.student), cell(r.lesson), cell(r.epoch ?? "", "n"),
      cell(r.loss == null ? "" : r.loss.toPrecision(4), "n"),
      cell(r.state ? r.pace + ", " + r.state : "starting"), cell(when(r.idle_seconds), "n"),
      cell(page));
    const end = document.createElement("button");
    end.textContent = "End";
    end.onclick = async () => {
      if (confirm("End " + r.student + "'s run of " + r.lesson + "?")) {
        await fetch("/teacher/end/" + r.id, {method: "POST"});
        refresh();
      }
    };
    const td = document.createElement("td"); td.append(end); tr.append(td);
    body.append(tr);
  }
  document.getElementById("note").textContent = runs.length ? "" : "No one has joined yet.";
}
refresh();
setInterval(refresh, 2000);
</script>"""


def teacher_page(summary: str, links: list[str]) -> str:
    """``/teacher``: every run, refreshed every 2 s from /teacher.json, with a button to
    end one."""
    hand_out = "".join(f"<li><code>{escape(link)}</code></li>" for link in links)
    body = (
        f"<h1>{TITLE}: the class</h1><p>{escape(summary)}</p>"
        f"<p>The link to hand out:</p><ul>{hand_out}</ul>"
        "<table><thead><tr><th>Student</th><th>Lesson</th><th>Epoch</th><th>Loss</th>"
        "<th>Pace</th><th>Idle</th><th>Page</th><th></th></tr></thead>"
        "<tbody id='runs'></tbody></table><p id='note'>Loading...</p>"
        "<noscript>This page needs JavaScript to refresh; /teacher.json holds the same "
        "as JSON.</noscript>"
    )
    return page(f"{TITLE}: the class", body, _TEACHER_SCRIPT)
