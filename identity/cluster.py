"""Graph -> persons: merge-protection cuts, connected components, limits inside components, ids.

Two forms of the same clustering. ``cluster_identities`` runs distributed on DataFrames: the full
rebuild (the whole graph) and batches whose scope is too large for the driver.
``cluster_in_driver`` handles a batch's scope (a closed neighbourhood of its nodes) in the driver
when it has at most ``identity.driver_clustering_max_edges`` edges: a dozen small Spark jobs cost
seconds of fixed overhead that a few thousand edges never needed. Both give the same persons because
every step is order-independent, the rules and the limited union-find are shared (identity.rules),
and one function (``_clustering``) names persons and assembles the conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as sparse_components

from identity.components import connected_components
from identity.config import IdentityConfig
from identity.rules import (
    RESOLUTION_COLUMNS,
    local_cuts,
    local_cuts_in_driver,
    resolve_over_limit,
    union_find_with_limits,
)

_GROUPED_SCHEMA = (
    "node string, identifier_type string, identifier_hash string, first_seen timestamp, component string, "
    "`group` string"
)
_REFUSED_SCHEMA = "src string, dst string, rule string, reason string"
_LIMIT_TYPES = {"user_ids": "user_id", "emails": "email"}
_PARTITION_BYTES = 512 * 1024


@dataclass(frozen=True)
class Clustering:
    """assignments: node, identifier_type, identifier_hash, person_id, component_id, first_seen.
    conflicts: src/dst type and hash, rule, reason, first_seen, event_count. applied_edges: the
    edges the local rules kept (graph_edges columns). rounds: connected-components rounds (0 when
    clustered in the driver)."""

    assignments: DataFrame
    conflicts: DataFrame
    applied_edges: DataFrame
    rounds: int


def stable_id(prefix: str, node: Column) -> Column:
    """A short id derived from an identifier's node key (itself a keyed hash: nothing raw in it)."""
    return F.concat(F.lit(prefix), F.substring(F.sha2(node, 256), 1, 24))


def cluster_identities(edges: DataFrame, config: IdentityConfig, scope: DataFrame | None = None) -> Clustering:
    """Persons of the nodes in scope (every node of ``edges`` when scope is None).

    edges: graph_edges output holding every edge of every node in scope (self edges included).
    scope: column ``node``; it must be closed: an applied edge never leaves it.
    """
    nodes = (
        edges.select(F.col("src").alias("node"), F.col("src_type").alias("identifier_type"),
                     F.col("src_hash").alias("identifier_hash"), "first_seen")
        .unionByName(edges.select(F.col("dst").alias("node"), F.col("dst_type").alias("identifier_type"),
                                  F.col("dst_hash").alias("identifier_hash"), "first_seen"))
        .groupBy("node", "identifier_type", "identifier_hash").agg(F.min("first_seen").alias("first_seen"))
    )
    links = edges.where(F.col("src") != F.col("dst"))
    cuts = local_cuts(links, config).localCheckpoint(eager=True)  # read twice: applied edges and conflicts
    if scope is not None:
        nodes = nodes.join(scope.select("node").distinct(), on="node", how="left_semi")
        in_scope = scope.select(F.col("node").alias("src")).distinct()
        links = links.join(in_scope, on="src", how="left_semi").join(
            in_scope.withColumnRenamed("src", "dst"), on="dst", how="left_semi"
        )
    nodes = nodes.localCheckpoint(eager=True)
    applied = links.join(cuts.select("src", "dst"), on=["src", "dst"], how="left_anti").localCheckpoint(eager=True)
    components = connected_components(nodes, applied, config.max_iterations)
    labelled = nodes.join(components.labels, on="node").localCheckpoint(eager=True)

    # Components still over a person limit go through the union-find with limits.
    per_component = labelled.groupBy("component").agg(
        *[F.count_if(F.col("identifier_type") == t).alias(name) for name, t in _LIMIT_TYPES.items()]
    )
    over = per_component.where(_over_limit(F.col("user_ids"), F.col("emails"), config)).select("component")
    over_edges = applied.join(
        labelled.select(F.col("node").alias("src"), "component"), on="src"
    ).join(over, on="component", how="left_semi")
    resolved = resolve_over_limit(over_edges, config).localCheckpoint(eager=True)
    roots = resolved.where(F.col("kind") == "assign").select("node", F.col("root").alias("group"))
    grouped = labelled.join(roots, on="node", how="left").withColumn(
        "group", F.coalesce(F.col("group"), F.col("component"))
    )
    limit_conflicts = resolved.where(F.col("kind") == "reject").select("src", "dst", "rule", "reason")
    return _clustering(grouped, cuts.unionByName(limit_conflicts), links, applied, components.rounds)


def cluster_in_driver(edges: DataFrame, config: IdentityConfig, scope: DataFrame) -> Clustering:
    """``cluster_identities(edges, config, scope)`` computed in the driver, for a batch's scope.

    The scope's edges come to the driver through Arrow (the caller bounds their number with
    ``identity.driver_clustering_max_edges``); components are found with scipy's sparse-graph
    search, components over a limit go through the same union-find as on the executors.
    """
    spark = edges.sparkSession
    graph = edges.select(
        "src", "dst", "src_type", "src_hash", "dst_type", "dst_hash", "first_seen", "event_count"
    ).toArrow().to_pandas()
    in_scope = set(scope.select("node").toArrow().column("node").to_pylist())
    ends = pd.concat([
        graph[[end, f"{end}_type", f"{end}_hash", "first_seen"]].set_axis(
            ["node", "identifier_type", "identifier_hash", "first_seen"], axis=1
        ) for end in ("src", "dst")
    ], ignore_index=True)
    nodes = ends[ends["node"].isin(in_scope)].groupby(
        ["node", "identifier_type", "identifier_hash"], as_index=False
    )["first_seen"].min()
    links = graph[graph["src"] != graph["dst"]]
    cuts = local_cuts_in_driver(links, config)
    scoped = links[links["src"].isin(in_scope) & links["dst"].isin(in_scope)]
    cut_keys = pd.MultiIndex.from_frame(cuts[["src", "dst"]])
    applied = scoped[~pd.MultiIndex.from_frame(scoped[["src", "dst"]]).isin(cut_keys)]

    # Components labelled with their smallest node key, as connected_components labels them.
    index = pd.Index(nodes["node"])
    src_pos, dst_pos = index.get_indexer(applied["src"]), index.get_indexer(applied["dst"])
    adjacency = coo_matrix((np.ones(len(applied), dtype=np.int8), (src_pos, dst_pos)), shape=(len(index),) * 2)
    _, label = sparse_components(adjacency, directed=False)
    nodes["component"] = nodes.groupby(label)["node"].transform("min")

    counts = nodes.assign(**{name: nodes["identifier_type"] == t for name, t in _LIMIT_TYPES.items()}).groupby(
        "component"
    )[list(_LIMIT_TYPES)].sum()
    over = counts.index[_over_limit(counts["user_ids"], counts["emails"], config)]
    over_edges = applied.assign(component=applied["src"].map(nodes.set_index("node")["component"]))
    resolved = [
        union_find_with_limits(group, config.max_user_ids_per_person, config.max_emails_per_user_id)
        for _, group in over_edges[over_edges["component"].isin(over)].groupby("component")
    ]
    resolution = pd.concat(resolved, ignore_index=True) if resolved else pd.DataFrame(columns=RESOLUTION_COLUMNS)
    roots = resolution[resolution["kind"] == "assign"].set_index("node")["root"]
    nodes["group"] = nodes["node"].map(roots).fillna(nodes["component"])
    refused = pd.concat(
        [cuts, resolution.loc[resolution["kind"] == "reject", ["src", "dst", "rule", "reason"]]], ignore_index=True
    )
    applied_keys = _to_spark(spark, applied[["src", "dst"]], "src string, dst string")
    spark_links = edges.where(F.col("src") != F.col("dst"))
    return _clustering(
        _to_spark(spark, nodes, _GROUPED_SCHEMA),
        _to_spark(spark, refused, _REFUSED_SCHEMA),
        spark_links,
        spark_links.join(applied_keys, on=["src", "dst"], how="left_semi"),
        rounds=0,
    )


def _to_spark(spark: SparkSession, frame: pd.DataFrame, schema: str) -> DataFrame:
    """A driver frame as a DataFrame of partitions of at most about 512 KB: the rows travel inside
    the tasks, and Spark warns about (and ships slowly) tasks over 1 MB."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    rows = max(1, _PARTITION_BYTES * table.num_rows // max(table.nbytes, 1))
    return spark.createDataFrame(pa.Table.from_batches(table.to_batches(max_chunksize=rows), table.schema), schema)


def _over_limit(user_ids: Any, emails: Any, config: IdentityConfig) -> Any:
    """Components still over a person limit (Spark columns or pandas series alike)."""
    return (user_ids > config.max_user_ids_per_person) | (
        (user_ids > 0) & (emails > user_ids * config.max_emails_per_user_id)
    )


def _clustering(
    grouped: DataFrame, refused: DataFrame, links: DataFrame, applied: DataFrame, rounds: int
) -> Clustering:
    """Name persons and explain refusals.

    grouped: node, identifier_type, identifier_hash, first_seen, component, group (the person's
    nodes share a group). refused: src, dst, rule, reason. links: the non-self graph edges.
    """
    # Survivor: the person is named after its oldest identifier (ties: smallest key).
    oldest = Window.partitionBy("group")
    assignments = grouped.select(
        "node", "identifier_type", "identifier_hash", "first_seen",
        stable_id("cmp_", F.col("component")).alias("component_id"),
        stable_id("per_", F.min_by("node", F.struct("first_seen", "node")).over(oldest)).alias("person_id"),
    )
    conflicts = refused.join(links, on=["src", "dst"]).select(
        "src_type", "src_hash", "dst_type", "dst_hash", "rule", "reason", "first_seen", "event_count"
    )
    return Clustering(assignments, conflicts, applied, rounds)
