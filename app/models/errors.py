"""Errors the core raises. Each message is one line fit to show a user."""

from __future__ import annotations


class StoreError(Exception):
    """Something the user can act on: the message is shown as it is."""


class UnlockError(StoreError):
    """Wrong passphrase, or the file is not a Casebook store."""


class DamagedStoreError(UnlockError):
    """The file is a store but cannot be read: truncated or altered."""


class NewerSchemaError(StoreError):
    """The store was written by a newer Casebook."""


class ValidationError(StoreError):
    """Input did not satisfy the schema or a rule; ``path`` locates the problem."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{self.path}: {msg}" if self.path and self.path != "$" else msg


class NotFoundError(StoreError):
    """A case or item that does not exist."""


class InstanceLockedError(StoreError):
    """The store is already open in another Casebook window or process."""
