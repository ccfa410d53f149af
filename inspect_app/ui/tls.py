"""`app --tls`: the self-signed certificate, shared with the hub (inspect_app/tls.py)."""

from inspect_app.tls import TLS_DIR, VALID_DAYS, TlsFiles, ensure_certificate, fingerprint_of  # noqa: F401
