"""Typed readers for SHANGJI_* environment variables.

Every setting the deployment can change comes from the environment through these
helpers, so a bad value fails at start-up with a message naming the variable
(STYLE rule 8) instead of surfacing later as a confusing error.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(RuntimeError):
    """A SHANGJI_* variable has a value we cannot use."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def env_str(name: str, default: str = "") -> str:
    return _raw(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r}: expected true/false (1/0, yes/no, on/off)")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: expected a whole number") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ConfigError(f"{name}={number}: must be between {minimum} and {maximum}")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value.strip() not in choices:
        raise ConfigError(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return value.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value).expanduser().resolve() if value else default


def database_from_url(name: str, url: str) -> dict:
    """Turn `postgres://user:pass@host:port/db?opt=v` or `sqlite:///path` into a Django DATABASES entry."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parts.path.strip("/"):
            raise ConfigError(f"{name}={url!r}: the URL must name a database, e.g. postgres://postgres@127.0.0.1:5432/shangji")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", 60)),
            # A dead connection fails one request and is then replaced; checking it before every request would
            # cost a round trip each (a third of the public intake's statements). ?conn_health_checks=true turns
            # the check on (a database that restarts often, or a proxy that drops idle connections).
            "CONN_HEALTH_CHECKS": options.pop("conn_health_checks", "false").lower() in ("1", "true", "yes"),
            # Parameters travel apart from the SQL (no quoting in Python), and statements run often are prepared.
            "OPTIONS": {"server_side_binding": True, **options},
        }
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        elif path.startswith("/"):
            path = path[1:]
        if not path:
            raise ConfigError(f"{name}={url!r}: expected sqlite:///relative/path.db or sqlite:////absolute/path.db")
        return sqlite_database(Path(path))
    raise ConfigError(f"{name}={url!r}: only postgres:// and sqlite:// URLs are supported")


def sqlite_database(path: Path) -> dict:
    # WAL + IMMEDIATE transactions + a busy timeout let the web and worker processes
    # write the same file without "database is locked" errors under normal load.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }
