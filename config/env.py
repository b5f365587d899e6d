"""Typed reading of environment variables for the settings module.

Every reader raises ``ConfigError`` naming the variable, so that a process with a
missing or malformed variable stops with one line that says which one.
"""

import os
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """A missing or malformed environment variable."""


_MISSING = object()
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, default):
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ConfigError(f"{name} is not set")
        return None
    return value.strip()


def string(name: str, default=_MISSING) -> str:
    value = _raw(name, default)
    return default if value is None else value


def boolean(name: str, default=_MISSING) -> bool:
    value = _raw(name, default)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def integer(name: str, default=_MISSING, *, minimum: int = 0) -> int:
    value = _raw(name, default)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def string_list(name: str, default=_MISSING) -> list[str]:
    value = _raw(name, default)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def database_url(name: str) -> dict:
    """Parse ``postgres://user:password@host:port/name`` into a Django DATABASES entry.

    A Unix socket is given as a percent-encoded host (``postgres://u@%2Frun%2Fpg/db``)
    or as ``?host=/run/pg``.
    """
    value = _raw(name, _MISSING)
    parts = urlsplit(value)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ConfigError(f"{name} must be a postgres:// URL")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ConfigError(f"{name} must name a database, e.g. postgres://user@host:5432/comensal")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name} has an invalid port") from None
    query = parse_qs(parts.query)
    host = query.get("host", [unquote(parts.hostname or "")])[0]
    return {
        "NAME": database,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
    }


def redis_url(name: str) -> str:
    value = _raw(name, _MISSING)
    parts = urlsplit(value)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ConfigError(f"{name} must be a redis:// URL with a host")
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError(f"{name} has an invalid port") from None
    return value
