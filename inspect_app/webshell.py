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
    """ASGI wrapper: add the offline shim (and any extra head HTML) to the top of every HTML page."""

    def __init__(self, app, extra_head: bytes = b"") -> None:
        self.app = app
        self.extra_head = extra_head

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
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
