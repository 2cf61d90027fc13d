"""Connected components on DataFrames: alternating large-star / small-star (Kiveris et al., 2014).

The graph never leaves the executors: each round is two joins/aggregations over the edge list,
cut from its lineage with ``localCheckpoint`` so plans stay small however many rounds run.
Result: every node labelled with the smallest node key of its component (a well-defined label,
whatever algorithm computes it, so the incremental and the full path agree).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


@dataclass(frozen=True)
class Components:
    """labels: (node, component) for every input node; rounds: large-star + small-star rounds run."""

    labels: DataFrame
    rounds: int


class ComponentsDidNotConverge(RuntimeError):
    pass


def connected_components(nodes: DataFrame, edges: DataFrame, max_rounds: int = 60) -> Components:
    """Label nodes by component.

    nodes: column ``node`` (string). edges: columns ``src``, ``dst`` (strings, both in nodes).
    """
    # (child, parent) with parent < child: the forest the rounds shrink into stars around the minimum.
    forest = (
        edges.where(F.col("src") != F.col("dst"))
        .select(F.greatest("src", "dst").alias("child"), F.least("src", "dst").alias("parent"))
        .distinct()
        .localCheckpoint(eager=True)
    )
    rounds = 0
    while not _is_star_forest(forest):
        if rounds >= max_rounds:
            raise ComponentsDidNotConverge(f"connected components not converged after {rounds} rounds")
        forest = _small_star(_large_star(forest)).localCheckpoint(eager=True)
        rounds += 1
    labels = (
        nodes.select("node").distinct()
        .join(forest.withColumnRenamed("child", "node"), on="node", how="left")
        .select("node", F.coalesce(F.col("parent"), F.col("node")).alias("component"))
    )
    return Components(labels, rounds)


def _large_star(forest: DataFrame) -> DataFrame:
    """Each node u: every larger neighbour v gets the smallest node of u's closed neighbourhood."""
    both = forest.select(F.col("child").alias("u"), F.col("parent").alias("v")).unionByName(
        forest.select(F.col("parent").alias("u"), F.col("child").alias("v"))
    )
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.first("u")).alias("m"))
    return (
        both.where(F.col("v") > F.col("u"))
        .join(smallest, on="u")
        .select(F.col("v").alias("child"), F.col("m").alias("parent"))
        .distinct()
    )


def _small_star(forest: DataFrame) -> DataFrame:
    """Each node u with its smaller neighbours N: u and every member of N point to min(N)."""
    smallest = forest.groupBy("child").agg(F.min("parent").alias("m"))
    joined = forest.join(smallest, on="child")
    to_min = joined.select(F.col("parent").alias("child"), F.col("m").alias("parent")).where(
        F.col("child") != F.col("parent")
    )
    own = smallest.select("child", F.col("m").alias("parent"))
    return own.unionByName(to_min).distinct()


def _is_star_forest(forest: DataFrame) -> bool:
    """True when every child has one parent and no parent is itself a child: each star a component."""
    many_parents = forest.groupBy("child").agg(F.count(F.lit(1)).alias("n")).where("n > 1").limit(1)
    parents = forest.select(F.col("parent").alias("child")).distinct()
    nested = forest.select("child").join(parents, on="child").limit(1)
    return many_parents.unionByName(nested.select("child", F.lit(0).cast("long").alias("n"))).isEmpty()
