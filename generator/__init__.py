"""Deterministic synthetic clickstream exports (GA4 BigQuery rows and Segment archives) with ground truth."""

from .corrupt import MALFORMED_KINDS
from .engine import generate
from .params import GenerationSummary

__all__ = ["MALFORMED_KINDS", "GenerationSummary", "generate"]
