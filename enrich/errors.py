"""Errors a user can act on (a dimension file that cannot be read at all, a bad argument)."""


class EnrichError(Exception):
    """A problem with an enrichment input the user can fix; the message says which file or value."""
