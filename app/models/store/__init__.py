"""The store tier: the encrypted database (db.py is the only sqlcipher3 import), its
migrations and entities, bundle import/export, and the Store facade with its parts."""

from app.models.store.changes import Changes
from app.models.store.facade import CaseSummary, Store, Tx, check_store

__all__ = ["CaseSummary", "Changes", "Store", "Tx", "check_store"]
