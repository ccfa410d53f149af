"""TinyDB-backed store: crash-safe files, one per inspection, audit log, migrations."""

from .errors import CorruptFileError, NewerSchemaError, StoreNotice
from .storage import AtomicJSONStorage
from .store import CENTERS, Change, CentersTx, InspectionTx, Store, new_id

__all__ = [
    "AtomicJSONStorage", "CENTERS", "Change", "CentersTx", "CorruptFileError", "InspectionTx",
    "NewerSchemaError", "Store", "StoreNotice", "new_id",
]
