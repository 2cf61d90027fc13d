"""Identity stitching: identifiers -> identity graph -> stable persons and CDP profiles.

The root config imports ``identity.config``, and the lakehouse imports the root config, so the
API below is loaded on first use (PEP 562) rather than when the package is imported.
Loading ``identity.tables`` (done by any of the functions) registers the identity tables.
"""

from __future__ import annotations

import importlib
from typing import Any

from identity.config import IdentityConfig

_API = {
    "stitch_batch": "identity.stitch",
    "rebuild": "identity.stitch",
    "RebuildReport": "identity.stitch",
    "refresh_profiles": "identity.profiles",
    "build_profiles": "identity.profiles",
    "cluster_identities": "identity.cluster",
    "Clustering": "identity.cluster",
    "connected_components": "identity.components",
    "event_identifiers": "identity.identifiers",
    "observed_edges": "identity.identifiers",
    "graph_edges": "identity.identifiers",
    "current_map": "identity.store",
    "event_persons": "identity.store",
    "compact_identity_map": "identity.store",
    "compact_identity_edges": "identity.store",
    "compact_identity_tables": "identity.store",
    "IDENTITY_EDGES": "identity.tables",
    "IDENTITY_MAP": "identity.tables",
    "IDENTITY_MERGES": "identity.tables",
    "IDENTITY_CONFLICTS": "identity.tables",
    "CUSTOMER_PROFILES": "identity.tables",
    "IDENTITY_TABLES": "identity.tables",
}

__all__ = ["IdentityConfig", *sorted(_API)]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'identity' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
