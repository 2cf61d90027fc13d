"""Merge protection: which edges of the graph are not applied, and why.

Two kinds of rules, both order-independent (they look at the whole graph, not at arrival order),
so the incremental path and the full rebuild cut the same edges:

* local rules, decided from an edge's two endpoints and their neighbours:
  ``shared_identifier`` a cookie, device, email or phone seen with more user ids than
  ``max_user_ids_per_person`` (the shared computer: its cookie is cut loose, each login keeps its
  own person); ``shared_device`` a device id with more than ``max_anonymous_ids_per_device``
  cookies; ``max_emails_per_user_id`` a login's weaker emails beyond the limit.
* person limits, checked inside a component that would still hold more user ids than allowed
  (or more emails than its user ids may have): edges are applied strongest first
  (logins, then more events, then older) with a union-find, and an edge that would join two
  groups past a limit is refused (``max_user_ids_per_person`` / ``max_emails_per_user_id``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from identity.config import IdentityConfig

RESOLUTION_COLUMNS = ["kind", "node", "root", "src", "dst", "rule", "reason"]
RESOLUTION_SCHEMA = ", ".join(f"{c} string" for c in RESOLUTION_COLUMNS)
# Stronger edges first: an edge touching a login is deliberate, then app installs on their device.
_TYPE_STRENGTH = {"user_id": 0, "device_id": 1, "anonymous_id": 2, "email": 3, "phone": 4}

# Reasons, printf-style: Spark fills them with format_string, the driver path with ``%`` (same text).
SHARED_IDENTIFIER_REASON = "%s seen with %d user ids (limit %d per person)"
SHARED_DEVICE_REASON = "device_id seen with %d anonymous ids (limit %d)"
EXTRA_EMAIL_REASON = "user id has more than %d email(s); this one is weaker (fewer events, newer)"
_NEIGHBOUR_COLUMNS = ["node", "node_type", "nbr", "nbr_type", "event_count", "first_seen"]


def local_cuts(edges: DataFrame, config: IdentityConfig) -> DataFrame:
    """The edges (src, dst) the local rules cut, with rule and reason.

    Needs: graph_edges output (non-self edges; every edge of every node whose rules are decided).
    """
    both = edges.select(
        F.col("src").alias("node"), F.col("src_type").alias("node_type"),
        F.col("dst").alias("nbr"), F.col("dst_type").alias("nbr_type"), "event_count", "first_seen",
    ).unionByName(edges.select(
        F.col("dst").alias("node"), F.col("dst_type").alias("node_type"),
        F.col("src").alias("nbr"), F.col("src_type").alias("nbr_type"), "event_count", "first_seen",
    ))
    stats = both.groupBy("node", "node_type").agg(
        F.count_distinct(F.when(F.col("nbr_type") == "user_id", F.col("nbr"))).alias("user_ids"),
        F.count_distinct(F.when(F.col("nbr_type") == "anonymous_id", F.col("nbr"))).alias("anonymous_ids"),
    )
    max_users, max_anon = config.max_user_ids_per_person, config.max_anonymous_ids_per_device
    shared = stats.select(
        "node",
        F.when(
            (F.col("node_type") != "user_id") & (F.col("user_ids") > max_users),
            F.format_string(SHARED_IDENTIFIER_REASON, F.col("node_type"), F.col("user_ids"), F.lit(max_users)),
        ).alias("shared_reason"),
        F.when(
            (F.col("node_type") == "device_id") & (F.col("anonymous_ids") > max_anon),
            F.format_string(SHARED_DEVICE_REASON, F.col("anonymous_ids"), F.lit(max_anon)),
        ).alias("device_reason"),
    ).where(F.col("shared_reason").isNotNull() | F.col("device_reason").isNotNull())
    by_strength = Window.partitionBy("node").orderBy(F.desc("event_count"), "first_seen", "nbr")
    extra_emails = (
        both.where((F.col("node_type") == "user_id") & (F.col("nbr_type") == "email"))
        .withColumn("rank", F.row_number().over(by_strength))
        .where(F.col("rank") > config.max_emails_per_user_id)
        .select(F.least("node", "nbr").alias("src"), F.greatest("node", "nbr").alias("dst"),
                F.lit("max_emails_per_user_id").alias("rule"),
                F.lit(EXTRA_EMAIL_REASON % config.max_emails_per_user_id).alias("reason"))
    )
    node_cuts = []
    for end in ("src", "dst"):
        flagged = edges.select("src", "dst").join(shared.withColumnRenamed("node", end), on=end)
        node_cuts.append(flagged.select(
            "src", "dst",
            F.when(F.col("shared_reason").isNotNull(), F.lit("shared_identifier"))
            .otherwise(F.lit("shared_device")).alias("rule"),
            F.coalesce("shared_reason", "device_reason").alias("reason"),
        ))
    cuts = node_cuts[0].unionByName(node_cuts[1]).unionByName(extra_emails)
    first_rule = Window.partitionBy("src", "dst").orderBy("rule", "reason")
    return cuts.withColumn("_n", F.row_number().over(first_rule)).where("_n = 1").drop("_n")


def local_cuts_in_driver(links: pd.DataFrame, config: IdentityConfig) -> pd.DataFrame:
    """``local_cuts`` on a pandas frame of a batch's scope: the same rules, order and reasons.

    Needs: src, dst, src_type, dst_type, event_count, first_seen (non-self graph edges). Gives: src,
    dst, rule, reason. The rules are the ones above, vectorized; test_identity_rules checks that both
    forms cut the same edges with the same reasons.
    """
    both = pd.concat([
        links[["src", "src_type", "dst", "dst_type", "event_count", "first_seen"]].set_axis(_NEIGHBOUR_COLUMNS, axis=1),
        links[["dst", "dst_type", "src", "src_type", "event_count", "first_seen"]].set_axis(_NEIGHBOUR_COLUMNS, axis=1),
    ], ignore_index=True)
    max_users, max_anon = config.max_user_ids_per_person, config.max_anonymous_ids_per_device
    # graph edges are distinct (src, dst) pairs, so counting neighbours counts distinct ones.
    stats = both.assign(
        user_ids=both["nbr_type"] == "user_id", anonymous_ids=both["nbr_type"] == "anonymous_id"
    ).groupby(["node", "node_type"], as_index=False)[["user_ids", "anonymous_ids"]].sum()
    shared = stats[(stats["node_type"] != "user_id") & (stats["user_ids"] > max_users)]
    device = stats[(stats["node_type"] == "device_id") & (stats["anonymous_ids"] > max_anon)]
    flagged = pd.concat([  # per node: shared_identifier wins over shared_device, as in local_cuts
        pd.DataFrame({"node": shared["node"], "rule": "shared_identifier", "reason": [
            SHARED_IDENTIFIER_REASON % (node_type, n, max_users)
            for node_type, n in zip(shared["node_type"], shared["user_ids"], strict=True)
        ]}),
        pd.DataFrame({"node": device["node"], "rule": "shared_device", "reason": [
            SHARED_DEVICE_REASON % (n, max_anon) for n in device["anonymous_ids"]
        ]}),
    ], ignore_index=True).drop_duplicates("node")
    emails = both[(both["node_type"] == "user_id") & (both["nbr_type"] == "email")].sort_values(
        ["node", "event_count", "first_seen", "nbr"], ascending=[True, False, True, True]
    )
    extra = emails[emails.groupby("node").cumcount() >= config.max_emails_per_user_id]
    extra_emails = pd.DataFrame({
        "src": np.where(extra["node"] < extra["nbr"], extra["node"], extra["nbr"]),
        "dst": np.where(extra["node"] < extra["nbr"], extra["nbr"], extra["node"]),
        "rule": "max_emails_per_user_id", "reason": EXTRA_EMAIL_REASON % config.max_emails_per_user_id,
    })
    pairs = links[["src", "dst"]]
    cuts = pd.concat(
        [pairs.merge(flagged.rename(columns={"node": end}), on=end) for end in ("src", "dst")] + [extra_emails],
        ignore_index=True,
    )
    return cuts.sort_values(["src", "dst", "rule", "reason"]).drop_duplicates(["src", "dst"]).reset_index(drop=True)


def resolve_over_limit(edges: DataFrame, config: IdentityConfig) -> DataFrame:
    """Union-find with limits, per component (executors, one component per group).

    Needs: accepted edges with component, src, dst, src_type, dst_type, event_count, first_seen.
    Gives RESOLUTION_SCHEMA rows: kind 'assign' (node -> root) and 'reject' (src, dst, rule, reason).
    """
    max_users, max_emails = config.max_user_ids_per_person, config.max_emails_per_user_id
    selected = edges.select("component", "src", "dst", "src_type", "dst_type", "event_count", "first_seen")
    return selected.groupBy("component").applyInPandas(
        lambda g: union_find_with_limits(g, max_users, max_emails), RESOLUTION_SCHEMA
    )


def union_find_with_limits(group: pd.DataFrame, max_users: int, max_emails: int) -> pd.DataFrame:
    """One component's edges applied strongest first, refusing the joins that break a limit.

    Needs: src, dst, src_type, dst_type, event_count, first_seen. Gives RESOLUTION_SCHEMA columns.
    """
    strength = [
        min(_TYPE_STRENGTH[a], _TYPE_STRENGTH[b]) for a, b in zip(group.src_type, group.dst_type, strict=True)
    ]
    group = group.assign(strength=strength).sort_values(
        ["strength", "event_count", "first_seen", "src", "dst"], ascending=[True, False, True, True, True]
    )
    parent: dict[str, str] = {}
    users: dict[str, int] = {}
    emails: dict[str, int] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for node, node_type in [*zip(group.src, group.src_type, strict=True), *zip(group.dst, group.dst_type, strict=True)]:
        if node not in parent:
            parent[node] = node
            users[node] = int(node_type == "user_id")
            emails[node] = int(node_type == "email")
    rejects = []
    for src, dst in zip(group.src, group.dst, strict=True):
        a, b = find(src), find(dst)
        if a == b:
            continue
        n_users, n_emails = users[a] + users[b], emails[a] + emails[b]
        if n_users > max_users:
            rejects.append((src, dst, "max_user_ids_per_person",
                            f"would give a person {n_users} user ids (limit {max_users})"))
            continue
        if n_users and n_emails > max_emails * n_users:
            rejects.append((src, dst, "max_emails_per_user_id",
                            f"would give a person with {n_users} user id(s) {n_emails} emails "
                            f"(limit {max_emails} each)"))
            continue
        keep, gone = (a, b) if a < b else (b, a)
        parent[gone] = keep
        users[keep], emails[keep] = n_users, n_emails
    rows: list[tuple[str | None, ...]] = [("assign", node, find(node), None, None, None, None) for node in parent]
    rows += [("reject", None, None, src, dst, rule, reason) for src, dst, rule, reason in rejects]
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)
