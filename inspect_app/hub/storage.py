"""The hub's data folder for what stays local to one machine (trust keys, scratch space for
exports and clinic photo ingest). The hub's records and blobs are in inspect_app/hub/store/
(the folder or PostgreSQL + S3); this name is kept for the modules that hold local files.
"""

from inspect_app.hub.store.files import HubFolder as HubFiles

__all__ = ["HubFiles"]
