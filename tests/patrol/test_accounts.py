"""Accounts: argon2 hashes, the `patrol users` command, the demo's users, the throttle policy."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from patrol.accounts import AccountError, Accounts, LoginRefused, ThrottlePolicy, UserExists
from patrol.cli import main
from patrol.config import parse_config
from patrol.service import DEMO_USERS, ensure_demo_users, open_accounts, open_store
from patrol.store import Store
from patrol.store.account_tables import UserRow
from patrol.types import Role

NOW = datetime(2025, 3, 3, tzinfo=UTC)
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def accounts(store: Store) -> Accounts:
    opened = Accounts(store, hasher=FAST)
    opened.create_schema()
    return opened


def test_passwords_are_stored_as_argon2id_hashes(store: Store, accounts: Accounts) -> None:
    accounts.add_user("li.wei", "a-long-password", Role.OFFICER, "county", NOW)
    with store.database.sessions() as session:
        stored = session.scalar(select(UserRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert "a-long-password" not in stored
    assert accounts.login("li.wei", "a-long-password", "127.0.0.1", NOW).user.username == "li.wei"
    with pytest.raises(LoginRefused):
        accounts.login("li.wei", "A-long-password", "127.0.0.1", NOW)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("Li Wei", "a-long-password", "user name"),
        ("x", "a-long-password", "user name"),
        ("li.wei", "short", "at least 10 characters"),
    ],
)
def test_bad_user_names_and_short_passwords_are_refused(
    accounts: Accounts, username: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.add_user(username, password, Role.OFFICER, "county", NOW)


def test_a_user_name_is_taken_once(accounts: Accounts) -> None:
    accounts.add_user("li.wei", "a-long-password", Role.OFFICER, "county", NOW)
    with pytest.raises(UserExists):
        accounts.add_user("li.wei", "another-password", Role.SUPERVISOR, "county", NOW)


@pytest.mark.parametrize(
    ("failures", "free", "expected_s"),
    [(4, 5, 0), (5, 5, 30), (6, 5, 60), (7, 5, 120), (10, 5, 900), (99, 5, 900), (20, 20, 30)],
)
def test_lockouts_double_to_a_cap(failures: int, free: int, expected_s: float) -> None:
    assert ThrottlePolicy().lockout(failures, free) == timedelta(seconds=expected_s)


def test_old_failures_are_forgotten(accounts: Accounts) -> None:
    accounts.add_user("li.wei", "a-long-password", Role.OFFICER, "county", NOW)
    for _ in range(4):
        with pytest.raises(LoginRefused):
            accounts.login("li.wei", "wrong-password", "10.0.0.1", NOW)
    later = NOW + timedelta(seconds=accounts.policy.forget_after_s + 1)
    with pytest.raises(LoginRefused) as caught:
        accounts.login("li.wei", "wrong-password", "10.0.0.1", later)
    assert caught.value.locked_for is None


def _config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
data_dir: {tmp_path / "data"}
schools: [{{id: s1, name: School 1}}]
cameras: []
jurisdictions:
  stations: [{{id: st1, name: Station 1, schools: [s1]}}]
""",
        encoding="utf-8",
    )
    return path


def test_the_users_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config_file(tmp_path)
    args = ["--config", str(config), "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password-1\n"))
    assert main(["users", "add", "wang.fang", "--role", "officer", "--jurisdiction", "st1", *args]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password-1\n"))
    assert main(["users", "add", "wang.fang", "--role", "officer", "--jurisdiction", "st1", *args]) == 1
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password-1\n"))
    assert main(["users", "add", "zhao", "--role", "officer", "--jurisdiction", "mars", *args]) == 2
    assert "no jurisdiction 'mars'; known: county, st1" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("second-password-2\n"))
    assert main(["users", "passwd", "wang.fang", *args]) == 0
    assert main(["users", "token", "wang.fang", "--config", str(config), "--label", "reports"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("spt_")
    assert main(["users", "list", "--config", str(config)]) == 0
    assert "wang.fang" in capsys.readouterr().out

    loaded = parse_config(config.read_text(encoding="utf-8"))
    store = open_store(loaded)
    try:
        accounts = Accounts(store)
        assert (
            accounts.login("wang.fang", "second-password-2", "127.0.0.1", NOW).user.jurisdiction_id == "st1"
        )
        assert accounts.token_principal(token, NOW) is not None
        assert main(["users", "disable", "wang.fang", "--config", str(config)]) == 0
        assert accounts.token_principal(token, NOW) is None
        with pytest.raises(LoginRefused):
            accounts.login("wang.fang", "second-password-2", "127.0.0.1", NOW)
    finally:
        store.close()


def test_the_demo_shows_new_passwords_once_and_never_logs_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = parse_config(_config_file(tmp_path).read_text(encoding="utf-8"))
    store = open_store(config)
    try:
        accounts = open_accounts(config, store)
        first, second = io.StringIO(), io.StringIO()
        with caplog.at_level(logging.DEBUG):
            ensure_demo_users(config, accounts, first)
            ensure_demo_users(config, accounts, second)
        lines = first.getvalue().splitlines()[1:]
        assert [line.split()[:2] for line in lines] == [[name, role.value] for name, role, _ in DEMO_USERS]
        passwords = [line.split()[2] for line in lines]
        for (name, _, _), password in zip(DEMO_USERS, passwords, strict=True):
            assert accounts.login(name, password, "127.0.0.1", NOW).user.jurisdiction_id == "county"
            assert password not in caplog.text
            assert password not in second.getvalue()
        assert "exists; password unchanged" in second.getvalue()
    finally:
        store.close()
