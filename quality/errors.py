"""Errors of the quality stage a user acts on: the CLI prints them in one line."""


class ExpectationFailedError(Exception):
    """An expectation with action ``fail`` failed: the batch stops before writing the table it guards."""


class QualityError(Exception):
    """A problem with the quality setup or its outputs (no Data Docs yet, ...)."""
