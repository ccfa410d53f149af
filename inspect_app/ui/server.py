"""Serve the tablet app as a Flet web app from this machine (no CDN: works without internet).

The Flet web client, CanvasKit and the CJK font all come from this server, so a tablet on the
site's Wi-Fi (or this laptop's own browser) needs nothing from the internet.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import uvicorn
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, Response

from inspect_app import paths
from inspect_app.evidence import MAX_INPUT_BYTES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8550


def build_asgi_app(data_dir: Path, standards_dir: Path | None = None):
    """The ASGI app: Flet (websocket, static client, uploads) plus read-only routes for photos,
    sync bundles, signed reports and report exports (each serves only its own folder)."""
    import flet_web.fastapi as flet_fastapi

    from inspect_app.evidence import PhotoStore
    from inspect_app.ui.app import make_main

    upload_dir = data_dir / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    clear_uploads(upload_dir)
    # Before this process ingests anything (photos, sync): what a killed ingest left half-written.
    PhotoStore.in_data_dir(data_dir).clean_incomplete()
    # Upload URLs are signed; a key per process is enough because a pending upload never
    # outlives the process that signed it.
    secret = os.environ.get("FLET_SECRET_KEY") or secrets.token_urlsafe(32)
    os.environ["FLET_SECRET_KEY"] = secret
    main, media_file = make_main(data_dir, upload_dir, standards_dir)

    outer = FastAPI()

    @outer.get("/media/{kind}/{name}")
    async def media(kind: str, name: str):
        """Photos and thumbnails as plain HTTP, so images do not travel over the websocket."""
        path = media_file(kind, name.split(".")[0])
        if path is None or not path.is_file():
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type="image/png" if name.endswith(".png") else "image/jpeg",
                            headers={"Cross-Origin-Resource-Policy": "same-origin",
                                     "Cache-Control": "private, max-age=31536000, immutable"})

    @outer.get("/bundles/{name}")
    async def bundle(name: str):
        """A sync bundle this tablet exported (同步包), downloaded by the browser."""
        from inspect_app.ui.sync.runtime import bundle_file

        path = bundle_file(data_dir, name)
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type="application/zip", filename=name)

    @outer.get("/reports/{name}")
    async def report(name: str):
        """A signed report (签章报告) of a locked inspection: only <data>/reports/JCR-….pdf."""
        from inspect_app.ui.reports import report_file

        path = report_file(data_dir, name)
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type="application/pdf", filename=name)

    @outer.get("/exports/{stamp}/{name}")
    async def export(stamp: str, name: str):
        """A file of one export for the bureau (<data>/exports/<stamp>/: zip, PDFs, manifests)."""
        from inspect_app.ui.reports import export_file, media_type

        path = export_file(data_dir, stamp, name)
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type=media_type(path), filename=f"{stamp}-{name}")

    @outer.get("/offline-shims.js")
    async def offline_shims():
        return Response(OFFLINE_SHIMS_JS, media_type="application/javascript",
                        headers={"Cache-Control": "no-cache"})

    outer.mount("/", flet_fastapi.app(
        main,
        assets_dir=str(paths.ASSETS_DIR),
        upload_dir=str(upload_dir),
        # A bigger file is refused while it streams in (the photo button checks the size first).
        max_upload_size=MAX_INPUT_BYTES + 1024 * 1024,
        secret_key=secret,
        no_cdn=True,
        app_name="基层行现场评审",
        app_short_name="基层行评审",
        app_description="Jiceng Inspect",
    ))
    return InjectShims(outer)


def clear_uploads(upload_dir: Path) -> None:
    """Uploads are temporary (ingested, then removed); what a stopped process left is garbage."""
    for path in upload_dir.rglob("*"):
        if path.is_file():
            try:
                path.unlink()
            except OSError:
                pass


# The Flet web client registers the Rive animation runtime, which fetches rive_native.js from
# cdn.jsdelivr.net on start-up even with no_cdn (URL hard-coded in main.dart.js). We use no
# Rive animation. Offline that fetch fails and the runtime waits forever; this shim keeps the
# same outcome (a RiveNative that never resolves) without a request leaving the machine.
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


class InjectShims:
    """ASGI wrapper: add the offline shim to the top of every HTML page the app serves."""

    def __init__(self, app) -> None:
        self.app = app

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
            patched = bytes(body).replace(b"<head>", b"<head>\n  " + _SHIM_TAG, 1)
            first = start["message"]
            headers = [(k, v) for k, v in first.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(patched)).encode()))
            await send({**first, "headers": headers})
            await send({"type": "http.response.body", "body": patched})

        await self.app(scope, receive, capture)


def serve(data_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          standards_dir: Path | None = None) -> None:
    url = f"http://{host}:{port}/"
    app = build_asgi_app(data_dir, standards_dir)
    print(f"基层行现场评审 Jiceng Inspect: {url}  (data: {data_dir})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", ws="websockets-sansio")
