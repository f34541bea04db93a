"""User-facing errors: each carries a one-line message naming the bad value."""


class ConfigError(ValueError):
    """A bad configuration, name, value or input file supplied by a user."""


class NotSeparableError(ConfigError):
    """A data set that the harness cannot prove separable."""


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless condition holds."""
    if not condition:
        raise ConfigError(message)
