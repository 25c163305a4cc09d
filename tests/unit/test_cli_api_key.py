"""``client-profile api-key create``, run as a subprocess against its own SQLite file (migrated by the demo, so
migration 0016 runs on the demo's data too)."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.cli_helpers import cli_runner, rows


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    run = cli_runner(tmp_path_factory.mktemp("cli-api-key"))
    assert run("demo").returncode == 0
    return run


def test_api_key_create_prints_the_key_once_and_stores_only_its_hash(cli):
    done = cli("api-key", "create", "Accounting export", "--write")
    assert done.returncode == 0, done.stderr
    key = re.search(r"^(cpk_[a-z0-9]{8}_[A-Za-z0-9_-]{43})$", done.stdout, re.M).group(1)
    assert "read-write" in done.stdout
    [(name, prefix, scope, stored)] = rows(
        cli.db_file, "SELECT name, prefix, scope, secret_hash FROM api_key"
    )
    assert (name, prefix, scope) == ("Accounting export", key[:12], "write")
    assert stored == hashlib.sha256(key.encode()).hexdigest() and key not in stored
    [(actor,)] = rows(cli.db_file, "SELECT actor FROM audit_entry WHERE action = 'api_key.create'")
    assert actor == "operator"


def test_api_key_create_refuses_an_empty_name(cli):
    before = rows(cli.db_file, "SELECT count(*) FROM api_key")
    done = cli("api-key", "create", "  ")
    assert done.returncode == 1 and "name the key" in done.stderr
    assert rows(cli.db_file, "SELECT count(*) FROM api_key") == before
    assert cli("api-key").returncode == 2
