"""Identity stitching: identifiers -> identity graph -> stable persons and CDP profiles."""

from identity.cluster import Clustering, cluster_identities
from identity.components import connected_components
from identity.config import IdentityConfig
from identity.identifiers import event_identifiers, graph_edges, observed_edges
from identity.profiles import build_profiles, refresh_profiles
from identity.stitch import RebuildReport, rebuild, stitch_batch
from identity.store import (
    compact_identity_edges,
    compact_identity_map,
    compact_identity_tables,
    current_map,
    event_persons,
)
from identity.tables import (
    CUSTOMER_PROFILES,
    IDENTITY_CONFLICTS,
    IDENTITY_EDGES,
    IDENTITY_MAP,
    IDENTITY_MERGES,
    IDENTITY_TABLES,
)

__all__ = [
    "CUSTOMER_PROFILES",
    "IDENTITY_CONFLICTS",
    "IDENTITY_EDGES",
    "IDENTITY_MAP",
    "IDENTITY_MERGES",
    "IDENTITY_TABLES",
    "Clustering",
    "IdentityConfig",
    "RebuildReport",
    "build_profiles",
    "cluster_identities",
    "compact_identity_edges",
    "compact_identity_map",
    "compact_identity_tables",
    "connected_components",
    "current_map",
    "event_identifiers",
    "event_persons",
    "graph_edges",
    "observed_edges",
    "rebuild",
    "refresh_profiles",
    "stitch_batch",
]
