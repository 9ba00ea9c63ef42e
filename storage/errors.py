"""Errors raised by the adapters; archive/errors.py maps them to exit codes and HTTP statuses."""


class StorageError(Exception):
    """Base of adapter errors."""


class StoreUnavailable(StorageError):
    """The database or the object store cannot be reached or refuses our credentials."""


class ObjectMissing(StorageError):
    """No object under that key (or version)."""


class ContentMismatch(StorageError):
    """Bytes read back do not have the SHA-256 the archive recorded."""


class ObjectLocked(StorageError):
    """Deletion refused: retention has not expired or a legal hold is set."""


class StoreMisconfigured(StorageError):
    """The store exists but cannot hold evidence as configured (e.g. bucket without object lock)."""
