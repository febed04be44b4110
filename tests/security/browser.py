"""Load rendered pages in headless Chromium and report whatever script they manage to run.

Each page is put in a sandboxed ``srcdoc`` iframe (scripts, forms and pointer lock allowed; no
same origin, no top navigation, no popups) whose first element is a hook script: it replaces
``alert``, ``confirm``, ``prompt``, ``print`` and ``open`` with reporters, then on load focuses
and hovers every element (focus, mouse and pointer events, which run inline handlers) and
clicks every link, button and summary. A click on a ``javascript:`` link is let through (the
hooks catch what it runs); one that would navigate to any other non-web scheme as the browser
itself parses it (``a.protocol``) is reported and stopped. A frame that loads a second time
(a meta refresh, a form sent) is reported too. Hundreds of pages share one Chromium run:
``chromium --headless --dump-dom`` with a virtual time budget, the results read back from the DOM.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BATCH = 150

_HOOK = """<script>(function () {
  var I = %d;
  function report(kind, detail) { parent.postMessage({i: I, kind: kind, detail: String(detail).slice(0, 300)}, "*"); }
  ["alert", "confirm", "prompt", "print", "open"].forEach(function (name) {
    try {
      Object.defineProperty(window, name, {value: function (x) { report(name, x); return null; },
                                           writable: false, configurable: false});
    } catch (e) { report("hook-failed", name); }
  });
  function protocolOf(raw) {
    try { return new URL(raw, document.baseURI).protocol; } catch (e) { return "invalid:"; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a, area") : null;
    if (!link) { return; }
    var raw = link.getAttribute("href") || link.getAttributeNS("http://www.w3.org/1999/xlink", "href");
    if (raw === null) { return; }
    var protocol = protocolOf(raw);  // the browser's own reading of the URL
    if (protocol === "javascript:") { report("javascript-link", raw); return; }  // and let it run
    event.preventDefault();
    if (!/^(https?|mailto|ftp|tel|file|about):$/.test(protocol)) { report("navigate", raw); }
  }, true);
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var action = (submitter && submitter.getAttribute("formaction")) || event.target.getAttribute("action") || "";
    if (protocolOf(action) === "javascript:") { report("javascript-form", action); return; }
    event.preventDefault();
  }, true);
  window.addEventListener("load", function () {
    var all = Array.prototype.slice.call(document.querySelectorAll("*"));
    var types = ["focus", "focusin", "mouseover", "mouseenter", "mousemove", "mousedown", "mouseup",
                 "pointerover", "pointerenter", "pointerdown", "pointerup", "animationstart", "transitionend"];
    all.forEach(function (el) {
      try { el.focus(); } catch (e) {}
      types.forEach(function (type) {
        try { el.dispatchEvent(new Event(type, {bubbles: true})); } catch (e) {}
      });
    });
    all.forEach(function (el) {
      if (/^(a|area|button|summary|input|label)$/i.test(el.localName)) {
        try { el.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true})); } catch (e) {}
      }
    });
    setTimeout(function () { report("done", all.length); }, 100);
  });
})();</script>"""

_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="out"></pre>
<script id="docs" type="application/json">%s</script>
<script>
var docs = JSON.parse(document.getElementById("docs").textContent);
var results = {done: [], findings: []};
var loads = {};
window.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.kind === "done") { results.done.push(data.i); } else { results.findings.push(data); }
  document.getElementById("out").textContent = JSON.stringify(results);
});
docs.forEach(function (doc, i) {
  var frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts allow-forms");
  frame.addEventListener("load", function () {
    loads[i] = (loads[i] || 0) + 1;
    if (loads[i] > 1) {
      results.findings.push({i: i, kind: "reloaded", detail: "the page navigated its frame"});
      document.getElementById("out").textContent = JSON.stringify(results);
    }
  });
  frame.srcdoc = doc;
  document.body.appendChild(frame);
});
document.getElementById("out").textContent = JSON.stringify(results);
</script></body></html>"""


@dataclass(frozen=True)
class Finding:
    page: int
    kind: str  # alert, confirm, prompt, print, open, javascript-link, javascript-form, navigate, reloaded, not-run
    detail: str


def chromium() -> str | None:
    """The Chromium (or Chrome) binary on this machine, if any."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_pages(pages: list[str], *, batch: int = BATCH) -> list[Finding]:
    """Load every page (HTML a renderer made) and return whatever ran; a page whose hook never reported is a finding."""
    binary = chromium()
    if binary is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="postkit-browser-") as tmp:
        for first in range(0, len(pages), batch):
            chunk = pages[first : first + batch]
            findings.extend(Finding(first + f.page, f.kind, f.detail) for f in _run_batch(binary, Path(tmp), chunk))
    return findings


def _run_batch(binary: str, tmp: Path, pages: list[str]) -> list[Finding]:
    docs = [(_HOOK % i) + page for i, page in enumerate(pages)]
    payload = json.dumps(docs).replace("<", "\\u003c")
    page_file = tmp / "batch.html"
    page_file.write_text(_PAGE % payload, encoding="utf-8")
    done = subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            # frames in the page's own process, so that the virtual time budget runs their timers too
            "--disable-site-isolation-trials",
            "--disable-features=IsolateOrigins,site-per-process",
            f"--user-data-dir={tmp / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    results = _results(done.stdout)
    if results is None:
        raise RuntimeError(f"Chromium gave no results (exit {done.returncode}): {done.stderr[-2000:]}")
    found = [Finding(int(f.get("i", -1)), str(f.get("kind")), str(f.get("detail"))) for f in results["findings"]]
    ran = set(results["done"])
    found.extend(
        Finding(i, "not-run", "the hook never reported: the page did not load")
        for i in range(len(pages))
        if i not in ran
    )
    return found


def _results(dom: str) -> dict[str, list[dict[str, object]]] | None:
    import lxml.html

    if not dom.strip():
        return None
    out = lxml.html.fromstring(dom).get_element_by_id("out", None)
    if out is None or not (out.text or "").strip():
        return None
    parsed: dict[str, list[dict[str, object]]] = json.loads(out.text)
    return parsed
