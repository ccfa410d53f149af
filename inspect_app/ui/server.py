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
from fastapi.responses import FileResponse

from inspect_app import paths
from inspect_app.evidence import MAX_INPUT_BYTES
from inspect_app.webshell import SHIM_PATH, STARTUP_TAG, InjectShims, StartupShell, shim_response

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

    @outer.get(SHIM_PATH)
    async def offline_shims():
        return shim_response()

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
    # The start-up screen in Chinese, drawn with a shipped face (webshell.StartupShell).
    return InjectShims(StartupShell(outer), extra_head=b"\n  " + STARTUP_TAG)


def clear_uploads(upload_dir: Path) -> None:
    """Uploads are temporary (ingested, then removed); what a stopped process left is garbage."""
    for path in upload_dir.rglob("*"):
        if path.is_file():
            try:
                path.unlink()
            except OSError:
                pass


def serve(data_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          standards_dir: Path | None = None, tls: bool = False) -> None:
    """Serve the app. Bound beyond loopback, every device pairs first (inspect_app/ui/pairing.py);
    with tls, over https with the self-signed certificate of <data>/tls/ (inspect_app/tls.py)."""
    from inspect_app.listen import ensure_port_free
    from inspect_app.ui import pairing

    ensure_port_free(host, port)  # before any start-up work, and before the address is printed
    data_dir.mkdir(parents=True, exist_ok=True)
    app = build_asgi_app(data_dir, standards_dir)
    bases = pairing.base_urls(host, port, tls)
    ssl: dict = {}
    fingerprint = ""
    if tls:
        from inspect_app.tls import ensure_certificate

        files = ensure_certificate(data_dir, [b.split("://", 1)[1].rsplit(":", 1)[0].strip("[]") for b in bases])
        ssl = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
        fingerprint = files.fingerprint
    scheme = "https" if tls else "http"
    local = f"{scheme}://127.0.0.1:{port}" if host in ("0.0.0.0", "::") else bases[0]
    print(f"基层行现场评审 Jiceng Inspect: {bases[0]}/  (data: {data_dir})", flush=True)
    if fingerprint:
        print(f"  证书指纹 TLS fingerprint (SHA-256): {fingerprint}", flush=True)
    if not pairing.is_loopback_bind(host):
        store = pairing.PairingStore(data_dir)
        pairing.announce(store, bases, fingerprint=fingerprint, local_base=local)
        app = pairing.PairingGate(app, store, bases=bases, tls=tls, fingerprint=fingerprint)
    uvicorn.run(app, host=host, port=port, log_level="warning", ws="websockets-sansio", **ssl)
