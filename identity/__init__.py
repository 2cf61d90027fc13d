"""Identity stitching: identifiers -> identity graph -> stable persons and CDP profiles."""

from identity.config import IdentityConfig

__all__ = ["IdentityConfig"]
