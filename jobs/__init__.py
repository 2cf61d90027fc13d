"""spark-submit entry points. Thin: each hands its arguments to the clickstitch CLI."""
