"""Deterministic synthetic clickstream exports (GA4 BigQuery rows and Segment archives) with ground truth."""

from .catalog import DIMS_FILES
from .corrupt import MALFORMED_KINDS
from .engine import generate
from .params import GenerationSummary

__all__ = ["DIMS_FILES", "MALFORMED_KINDS", "GenerationSummary", "generate"]
