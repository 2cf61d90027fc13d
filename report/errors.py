"""The report's user-facing error."""

from __future__ import annotations


class ReportError(Exception):
    """The report cannot be built as asked (the message says what to do): one line, no stack trace."""
