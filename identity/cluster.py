"""Graph -> persons: merge-protection cuts, connected components, limits inside components, ids.

The same function serves the incremental path (a closed neighbourhood of the batch) and the full
rebuild (the whole graph); both give the same persons because every step is order-independent
and person ids depend only on a person's identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from identity.components import connected_components
from identity.config import IdentityConfig
from identity.rules import local_cuts, resolve_over_limit


@dataclass(frozen=True)
class Clustering:
    """assignments: node, identifier_type, identifier_hash, person_id, component_id, first_seen.
    conflicts: src/dst type and hash, rule, reason, first_seen, event_count. applied_edges: the
    edges the local rules kept (graph_edges columns). rounds: connected-components rounds."""

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
        F.count_if(F.col("identifier_type") == "user_id").alias("user_ids"),
        F.count_if(F.col("identifier_type") == "email").alias("emails"),
    )
    over = per_component.where(
        (F.col("user_ids") > config.max_user_ids_per_person)
        | ((F.col("user_ids") > 0) & (F.col("emails") > F.col("user_ids") * config.max_emails_per_user_id))
    ).select("component")
    over_edges = applied.join(
        labelled.select(F.col("node").alias("src"), "component"), on="src"
    ).join(over, on="component", how="left_semi")
    resolved = resolve_over_limit(over_edges, config).localCheckpoint(eager=True)
    roots = resolved.where(F.col("kind") == "assign").select("node", F.col("root").alias("group"))
    grouped = labelled.join(roots, on="node", how="left").withColumn(
        "group", F.coalesce(F.col("group"), F.col("component"))
    )
    # Survivor: the person is named after its oldest identifier (ties: smallest key).
    oldest = Window.partitionBy("group")
    assignments = grouped.select(
        "node", "identifier_type", "identifier_hash", "first_seen",
        stable_id("cmp_", F.col("component")).alias("component_id"),
        stable_id("per_", F.min_by("node", F.struct("first_seen", "node")).over(oldest)).alias("person_id"),
    )
    limit_conflicts = resolved.where(F.col("kind") == "reject").select("src", "dst", "rule", "reason")
    conflict_edges = cuts.unionByName(limit_conflicts).join(links, on=["src", "dst"])
    conflicts = conflict_edges.select(
        "src_type", "src_hash", "dst_type", "dst_hash", "rule", "reason", "first_seen", "event_count"
    )
    return Clustering(assignments, conflicts, applied, components.rounds)
