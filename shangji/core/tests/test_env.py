import pytest

from shangji.env import ConfigError, database_from_url, env_bool, env_int


def test_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("SHANGJI_DEBUG", "maybe")
    with pytest.raises(ConfigError, match="SHANGJI_DEBUG"):
        env_bool("SHANGJI_DEBUG")


def test_numbers_outside_their_range_are_refused(monkeypatch):
    monkeypatch.setenv("SHANGJI_PORT", "70000")
    with pytest.raises(ConfigError, match="SHANGJI_PORT=70000"):
        env_int("SHANGJI_PORT", 8000, minimum=1, maximum=65535)
    monkeypatch.setenv("SHANGJI_PORT", "eighty")
    with pytest.raises(ConfigError, match="whole number"):
        env_int("SHANGJI_PORT", 8000)


def test_postgres_and_sqlite_urls_become_django_databases():
    pg = database_from_url("X", "postgres://app:s%40cret@db.local:5433/shangji?sslmode=require")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql", "shangji", "app", "s@cret", "db.local", "5433")
    assert pg["OPTIONS"] == {"server_side_binding": True, "sslmode": "require"}
    assert pg["CONN_HEALTH_CHECKS"] is False
    assert database_from_url("X", "postgres://db.local/shangji?conn_health_checks=true")["CONN_HEALTH_CHECKS"] is True
    assert database_from_url("X", "sqlite:////srv/shangji/db.sqlite3")["NAME"] == "/srv/shangji/db.sqlite3"


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "postgres://localhost", "sqlite://"])
def test_unsupported_or_incomplete_database_urls_fail_at_start_up(url):
    with pytest.raises(ConfigError, match="SHANGJI_DATABASE_URL"):
        database_from_url("SHANGJI_DATABASE_URL", url)


def test_the_command_prints_a_clear_error_for_bad_configuration(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "shangji.cli", "check"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "SHANGJI_DATA_DIR": str(tmp_path),
                                 "SHANGJI_DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    assert "configuration error: SHANGJI_DATABASE_URL" in result.stderr

