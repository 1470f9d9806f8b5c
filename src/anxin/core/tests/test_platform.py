"""The platform: data directory, keys, databases (PLT-1), settings and the CLI's bad input."""

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ANXIN = [sys.executable, "-m", "anxin.manage"]


def run_cli(args, tmp_path, **env):
    # The CLI as an operator runs it: no test-only switches (the browser tests set one).
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {k: v for k, v in os.environ.items() if k not in dropped}
    full.update(
        {
            "ANXIN_DATA_DIR": str(tmp_path / "data"),
            "DJANGO_SETTINGS_MODULE": "anxin.config.settings.local",
        }
    )
    full.update(env)
    return subprocess.run(ANXIN + args, env=full, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db
@pytest.mark.req("PLT-1")
def test_the_suite_runs_on_the_configured_database():
    """Runs in the SQLite run and in the PostgreSQL run of `make test`."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0].lower() == "wal"
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
        else:
            assert connection.vendor == "postgresql"
            assert os.environ.get("DATABASE_URL", "").startswith("postgres")
            cursor.execute("SHOW server_version")
            assert cursor.fetchone()[0]


@pytest.mark.req("PLT-1")
def test_sqlite_by_default_postgres_through_database_url(monkeypatch):
    from anxin.config.settings import base

    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = base.database_config()
    assert config["ENGINE"] == "anxin.core.sqlite3"  # Django's, writers queued on a lock file
    assert config["NAME"].endswith("anxin.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    monkeypatch.setenv("DATABASE_URL", "postgres://anxin:pw@127.0.0.1:5432/anxin")
    config = base.database_config()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 5432, "anxin")


@pytest.mark.req("PLT-1", "PLT-4")
def test_a_wrong_database_url_is_a_clear_message(tmp_path):
    result = run_cli(["check"], tmp_path, DATABASE_URL="nosuchdb://x")
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
    result = run_cli(["migrate"], tmp_path, DATABASE_URL="postgres://anxin@127.0.0.1:1/anxin")
    assert result.returncode != 0
    assert "database" in result.stderr.lower() and "Traceback" not in result.stderr


@pytest.mark.req("PLT-4")
def test_an_unwritable_data_directory_is_a_clear_message(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    result = run_cli(["check"], tmp_path, ANXIN_DATA_DIR=str(blocked / "data"))
    assert result.returncode == 2
    assert "ANXIN_DATA_DIR" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.req("PLT-1")
def test_keys_are_generated_once_with_mode_0600_and_never_printed(tmp_path):
    result = run_cli(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = tmp_path / "data"
    for name in ["secret_key", "master.key"]:
        path = data / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        value = path.read_text().strip()
        assert len(value) >= 40
        assert value not in result.stdout + result.stderr
    first = (data / "master.key").read_text()
    run_cli(["check"], tmp_path)
    assert (data / "master.key").read_text() == first


@pytest.mark.req("PLT-4")
def test_a_port_in_use_is_a_clear_message(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli(["serve", "--port", str(port), "--no-worker"], tmp_path)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "ANXIN_PORT" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.req("PLT-4")
def test_a_bad_port_setting_is_a_clear_message(tmp_path):
    result = run_cli(["serve", "--no-worker"], tmp_path, ANXIN_PORT="eighty")
    assert result.returncode == 1 and "ANXIN_PORT" in result.stderr


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_cli(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DJANGO_SETTINGS_MODULE="anxin.config.settings.production",
        ANXIN_ALLOWED_HOSTS="anxin.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secrets_are_committed():
    root = Path(__file__).resolve().parents[4]
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False
    ).stdout.split()
    assert not [p for p in tracked if p.endswith(("secret_key", "master.key", ".sqlite3"))]
