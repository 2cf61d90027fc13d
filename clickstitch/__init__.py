"""clickstitch: clickstream identity stitching, privacy, bot detection and enrichment on Spark + Delta."""

__version__ = "0.1.0"
