"""Errors a user can act on. The CLI prints their message in one line, never a stack trace."""


class ClickstitchError(Exception):
    """A problem the user can fix (bad config, missing Java, bad arguments)."""


class ConfigError(ClickstitchError):
    """The configuration is invalid; the message names the offending key."""


class EnvironmentProblem(ClickstitchError):
    """The machine lacks something clickstitch needs (e.g. Java 17)."""
