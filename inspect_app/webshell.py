"""What every Flet web shell of this project needs offline (the tablet app and the hub's web pages).

Shared by inspect_app/ui/server.py and inspect_app/hub/web.py, so the hub imports nothing from
inspect_app/ui:
- OFFLINE_SHIMS_JS: the Flet web client registers the Rive animation runtime, which fetches
  rive_native.js from cdn.jsdelivr.net on start-up even with no_cdn (URL hard-coded in
  main.dart.js). We use no Rive animation. Offline that fetch fails and the runtime waits
  forever; the shim keeps the same outcome (a RiveNative that never resolves) without a request
  leaving the machine. Served at SHIM_PATH.
- InjectShims: ASGI wrapper that adds the shim's <script> to the top of every HTML page.
"""

from __future__ import annotations

SHIM_PATH = "/offline-shims.js"

OFFLINE_SHIMS_JS = """
(function () {
  var RIVE_CDN = "https://cdn.jsdelivr.net/npm/@rive-app/";
  var desc = Object.getOwnPropertyDescriptor(HTMLScriptElement.prototype, "src");
  Object.defineProperty(HTMLScriptElement.prototype, "src", {
    configurable: true,
    get: function () { return desc.get.call(this); },
    set: function (value) {
      if (String(value).indexOf(RIVE_CDN) === 0) { value = "/offline-shims.js?rive"; }
      desc.set.call(this, value);
    }
  });
  window.RiveNative = function () { return new Promise(function () {}); };
})();
"""

_SHIM_TAG = b'<script src="/offline-shims.js"></script>'


def shim_response():
    """The shim script as a response (for a GET SHIM_PATH route)."""
    from fastapi.responses import Response

    return Response(OFFLINE_SHIMS_JS, media_type="application/javascript", headers={"Cache-Control": "no-cache"})


class InjectShims:
    """ASGI wrapper: add the offline shim (and any extra head HTML) to the top of every HTML page,
    and serve flutter_bootstrap.js asking for single-threaded skwasm (patched_bootstrap_js)."""

    def __init__(self, app, extra_head: bytes = b"") -> None:
        self.app = app
        self.extra_head = extra_head

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope.get("path") == "/flutter_bootstrap.js" and scope.get("method") in ("GET", "HEAD"):
            body = patched_bootstrap_js()
            if body is not None:
                return await _send_body(send, scope, body, b"application/javascript; charset=utf-8")
        start: dict = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    start["passthrough"] = True
                    return await send(message)
                start["message"] = message
                return None
            if start.get("passthrough"):
                return await send(message)
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return None
            patched = bytes(body).replace(b"<head>", b"<head>\n  " + _SHIM_TAG + self.extra_head, 1)
            first = start["message"]
            headers = [(k, v) for k, v in first.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(patched)).encode()))
            await send({**first, "headers": headers})
            await send({"type": "http.response.body", "body": patched})

        await self.app(scope, receive, capture)


async def _send_body(send, scope, body: bytes, ctype: bytes) -> None:
    """One of our patched client files as the whole response (revalidated on each load)."""
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-cache"), (b"cross-origin-resource-policy", b"same-origin")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body if scope["method"] == "GET" else b""})


# ------------------------------------------------------------------ fonts of a Flet session
# See inspect_app/fonts.py for the rule (drawn or refused) and the faces. page.fonts registers
# the 2.2 MB GB2312 face as the theme family first (the first screen waits for nothing bigger),
# then the full GBK face and the CJK-extension face; every text style of the theme lists those
# two as fallback families, so 堃 䶮 𠮷 … are drawn by them once they are in.
_TEXT_SLOTS = ("display_large", "display_medium", "display_small", "headline_large", "headline_medium",
               "headline_small", "title_large", "title_medium", "title_small", "label_large", "label_medium",
               "label_small", "body_large", "body_medium", "body_small")


def apply_fonts(page, *, seed_color) -> None:
    """Fonts and theme of one Flet session (the tablet app, the hub's pages)."""
    import flet as ft

    from inspect_app import fonts

    fallback = fonts.fallback_families()
    text_theme = (ft.TextTheme(**{slot: ft.TextStyle(font_family_fallback=fallback) for slot in _TEXT_SLOTS})
                  if fallback else None)
    page.fonts = fonts.page_fonts()
    page.theme = ft.Theme(font_family=fonts.FAMILY, color_scheme_seed=seed_color, text_theme=text_theme)


# ------------------------------------------------------------------ the loading screen in Chinese
# The Flet web client paints a start-up message until the app's first page arrives; its text is a
# constant in main.dart.js ("Working..."). We serve main.dart.js with that constant replaced.
# Flutter draws it before any app font is loaded, falling back to Noto Sans SC subsets that it
# fetches from assets/fonts/notosanssc/… (404 offline: boxes): those requests get a tiny face cut
# from the shipped first-paint face, holding the start-up message's characters.
STARTUP_MESSAGE = "正在打开基层行现场评审…"
STARTUP_MESSAGE_EN = "Opening Jiceng Inspect…"
_FLET_STARTUP = b'[30,"Working..."]'
CJK_FALLBACK_PREFIXES = ("notosanssc/", "notosanstc/", "notosanshk/", "notosansjp/", "notosanskr/")


def _js_string(text: str) -> bytes:
    return ('"' + "".join(ch if ord(ch) < 128 else f"\\u{ord(ch):04x}" for ch in text) + '"').encode()


def flet_client_file(name: str) -> bytes:
    """A file of the Flet web client as Flet ships it (flet_web/web/<name>)."""
    from pathlib import Path

    import flet_web

    return (Path(flet_web.__file__).parent / "web" / name).read_bytes()


_patched: dict[str, bytes | None] = {}


def _patched_client_file(name: str, marker: bytes, replacement: bytes) -> bytes | None:
    """Flet's `name` with its one `marker` replaced, read once per process (None, also kept,
    when the marker is not there exactly once: Flet changed the file, serve it as it is)."""
    if name not in _patched:
        raw = flet_client_file(name)
        _patched[name] = raw.replace(marker, replacement) if raw.count(marker) == 1 else None
    return _patched[name]


def patched_main_js() -> bytes | None:
    """Flet's main.dart.js with the start-up message in Chinese (None if Flet changed it)."""
    return _patched_client_file("main.dart.js", _FLET_STARTUP, b"[30," + _js_string(STARTUP_MESSAGE) + b"]")


# Chromium runs Flutter's skwasm renderer multi-threaded when the page is cross-origin isolated
# (Flet sends COOP/COEP). Its main thread spins while it waits for the render worker, and about
# once in a hundred page loads on a loaded 2-core machine the two never met: the page stayed on
# the start-up screen with its renderer at full CPU and answering nothing (not even a
# screenshot) until the tab was closed. Single-threaded skwasm renders on the main thread: no
# such wait. We serve flutter_bootstrap.js with that switch set in the loader's config.
_FLET_CONFIG = b"var flutterConfig = {"


def patched_bootstrap_js() -> bytes | None:
    """Flet's flutter_bootstrap.js asking for single-threaded skwasm (None if Flet changed it)."""
    return _patched_client_file("flutter_bootstrap.js", _FLET_CONFIG,
                                _FLET_CONFIG + b"\n    forceSingleThreadedSkwasm: true,")


def startup_font() -> bytes:
    """The first-paint face cut to the start-up message (and ASCII): a few kB."""
    from inspect_app import fonts

    if "font" not in _patched:
        _patched["font"] = fonts.first_paint_face(STARTUP_MESSAGE + STARTUP_MESSAGE_EN
                                                  + "".join(chr(c) for c in range(0x20, 0x7F)))
    return _patched["font"]


# Chromium runs the WebAssembly build (main.dart.wasm), whose message cannot be patched: so the
# page also shows its own start-up screen (DOM, drawn with the tiny shipped face from
# /startup-font.ttf) over Flutter's until the app's first page asks for its font under /fonts/.
STARTUP_JS = """
(function () {
  var msg = %(zh)s;
  try {
    var lang = window.localStorage.getItem("flutter.jiceng.lang") || "";
    if (lang.indexOf("en") >= 0) { msg = %(en)s; }
  } catch (e) {}
  var css = '@font-face{font-family:"JicengStartup";src:url(/startup-font.ttf) format("truetype")}' +
    '#jiceng-startup{position:fixed;top:0;left:0;right:0;bottom:0;z-index:2147483647;display:flex;' +
    'flex-direction:column;align-items:center;justify-content:center;background:#f6fbf9;' +
    'font:16px "JicengStartup",sans-serif;color:#17323a;pointer-events:none}' +
    '#jiceng-startup i{width:30px;height:30px;border:3px solid #b9d8d2;border-top-color:#00796b;' +
    'border-radius:50%%;margin-bottom:16px;animation:jiceng-spin .9s linear infinite}' +
    '@keyframes jiceng-spin{to{transform:rotate(360deg)}}';
  function show() {
    if (document.getElementById("jiceng-startup")) { return; }
    var style = document.createElement("style");
    style.id = "jiceng-startup-style";
    style.textContent = css;
    document.head.appendChild(style);
    var box = document.createElement("div");
    box.id = "jiceng-startup";
    box.setAttribute("role", "status");
    box.appendChild(document.createElement("i"));
    var text = document.createElement("span");
    text.textContent = msg;
    box.appendChild(text);
    document.body.appendChild(box);
  }
  function hide() {
    var box = document.getElementById("jiceng-startup");
    if (box) { box.remove(); }
  }
  if (document.body) { show(); } else { document.addEventListener("DOMContentLoaded", show); }
  // The app's first page registers its fonts (page.fonts, served under /fonts/): it is arriving.
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) {
        if (new URL(e.name).pathname.indexOf("/fonts/") === 0) { setTimeout(hide, 300); }
      });
    }).observe({type: "resource", buffered: true});
  } catch (e) { setTimeout(hide, 8000); }
  setTimeout(hide, 120000);
})();
"""
STARTUP_TAG = b'<script src="/startup-shell.js"></script>'


def startup_js() -> bytes:
    import json

    return (STARTUP_JS % {"zh": json.dumps(STARTUP_MESSAGE), "en": json.dumps(STARTUP_MESSAGE_EN)}).encode()


class StartupShell:
    """ASGI wrapper: GET /main.dart.js is the patched client, GET /assets/fonts/notosans{sc,tc,…}/…
    (Flutter's CJK fallback) the tiny start-up face; everything else passes through to Flet."""

    def __init__(self, app) -> None:
        import threading

        self.app = app
        threading.Thread(target=lambda: (patched_main_js(), startup_font()), name="startup-shell",
                         daemon=True).start()  # ready before the first browser asks

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            import asyncio

            path = scope.get("path", "")
            body, ctype = None, b""
            if path == "/main.dart.js":
                body, ctype = await asyncio.to_thread(patched_main_js), b"application/javascript; charset=utf-8"
            elif path == "/startup-shell.js":
                body, ctype = startup_js(), b"application/javascript; charset=utf-8"
            elif path == "/startup-font.ttf":
                body, ctype = await asyncio.to_thread(startup_font), b"font/ttf"
            elif path.startswith("/assets/fonts/") and path[len("/assets/fonts/"):].startswith(CJK_FALLBACK_PREFIXES):
                body, ctype = await asyncio.to_thread(startup_font), b"font/ttf"
            if body is not None:
                return await _send_body(send, scope, body, ctype)
        return await self.app(scope, receive, send)
