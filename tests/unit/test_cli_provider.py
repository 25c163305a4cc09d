"""The admin CLI's provider commands (provider, holiday, invoice-profile, paid): a few runs as a subprocess against
its own SQLite file from an unrelated working directory (like tests/unit/test_cli.py), the rest in-process
through cli.main against the test database."""

from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image
from sqlmodel import Session, select

from client_profile import cli as cli_module
from client_profile.models import Charge, ChargeStatus, Invoice, InvoiceProfile, Payment, Provider
from tests.cli_helpers import cli_runner, rows


@pytest.fixture
def cli(tmp_path):
    return cli_runner(tmp_path)


def test_setting_up_a_real_provider_end_to_end(cli, tmp_path):
    assert cli("migrate").returncode == 0
    created = cli(
        "provider",
        "create",
        "--slug",
        "otters",
        "--name",
        "Otters Club",
        "--timezone",
        "Europe/Bratislava",
        "--language",
        "sk",
        "--email",
        "hello@otters.example",
    )
    assert created.returncode == 0, created.stderr
    assert "Created provider 'Otters Club'" in created.stdout

    changed = cli(
        "provider",
        "set",
        "bank_iban=SK31 1200 0000 1987 4263 7541",
        "makeups_enabled=no",
        "cancellation_day_before_time=18:00",
        "cancellation_mode=day_before_at",
        "makeup_window_days=7",
        "invoicing_enabled=yes",
    )
    assert changed.returncode == 0, changed.stderr
    assert "bank_iban: - -> SK3112000000198742637541" in changed.stdout
    assert rows(
        cli.db_file,
        "SELECT bank_iban, makeups_enabled, cancellation_mode, makeup_window_days, "
        "invoicing_enabled FROM provider",
    ) == [("SK3112000000198742637541", 0, "day_before_at", 7, 1)]

    logo = tmp_path / "logo.png"
    Image.new("RGB", (900, 300), (10, 120, 140)).save(logo)
    for args in (
        ("holiday", "add", "2026-12-24", "Christmas", "Eve"),
        ("invoice-profile", "set", "legal_name=Otters s.r.o.", "company_id=12345678"),
        ("invoice-profile", "logo", str(logo)),
    ):
        result = cli(*args)
        assert result.returncode == 0, (args, result.stderr)
    assert rows(cli.db_file, "SELECT day, name FROM provider_holiday") == [("2026-12-24", "Christmas Eve")]

    shown = cli("provider", "show")
    assert shown.returncode == 0, shown.stderr
    for text in (
        "Provider 'Otters Club' (otters)",
        "cancellation_day_before_time   18:00",
        "makeups_enabled                no",
        "2026-12-24  Christmas Eve",
        "Otters s.r.o.",
        "450 x 150 px PNG",
    ):
        assert text in shown.stdout, text


def test_paid_records_a_transfer_once(cli):
    assert cli("demo").returncode == 0
    ((charge_id, reference),) = rows(
        cli.db_file,
        "SELECT id, reference FROM charge WHERE status = 'unpaid' AND description = 'Autumn term fee'",
    )
    wrong = cli("paid", reference, "--amount", "107.99")
    assert wrong.returncode == 1
    assert "EUR 107.99 does not match" in wrong.stderr and "EUR 108.00" in wrong.stderr
    assert cli("paid", reference, "--amount", "108.001").returncode == 1
    assert rows(cli.db_file, f"SELECT status FROM charge WHERE id = {charge_id}") == [("unpaid",)]

    paid = cli("paid", reference, "--amount", "108")
    assert paid.returncode == 0, paid.stderr
    assert "it is paid now" in paid.stdout and "Issued" in paid.stdout
    assert rows(cli.db_file, f"SELECT status FROM charge WHERE id = {charge_id}") == [("paid",)]
    assert rows(cli.db_file, f"SELECT method, amount_minor FROM payment WHERE charge_id = {charge_id}") == [
        ("bank_transfer", 10800)
    ]
    assert sorted(
        r[0] for r in rows(cli.db_file, f"SELECT kind FROM invoice WHERE charge_id = {charge_id}")
    ) == ["invoice", "receipt"]

    again = cli("paid", str(charge_id), "--amount", "108.00")
    assert again.returncode == 1 and "already paid" in again.stderr
    assert len(rows(cli.db_file, f"SELECT id FROM payment WHERE charge_id = {charge_id}")) == 1


def test_paid_with_a_transfer_request_reference_settles_every_item(cli):
    assert cli("demo").returncode == 0
    items = rows(
        cli.db_file,
        "SELECT c.id, c.amount_minor, c.family_id, f.id FROM charge c JOIN client f "
        "ON f.family_id = c.family_id WHERE c.status = 'unpaid' AND f.email = 'anna@example.com'",
    )
    ids = sorted(r[0] for r in items)

    with sqlite3.connect(
        cli.db_file
    ) as conn:  # as the payments page records it when several items are ticked
        conn.execute(
            "INSERT INTO transfer_request (provider_id, family_id, reference, amount_minor, currency, "
            "status, created_at) SELECT provider_id, family_id, '9000000042', ?, 'EUR', 'open', "
            "CURRENT_TIMESTAMP FROM charge WHERE id = ?",
            (sum(r[1] for r in items), ids[0]),
        )
        conn.executemany(
            "INSERT INTO transfer_request_item (request_id, charge_id) VALUES "
            "((SELECT id FROM transfer_request WHERE reference = '9000000042'), ?)",
            [(i,) for i in ids],
        )
    paid = cli("paid", "9000000042", "--amount", "126.00")
    assert paid.returncode == 0, paid.stderr
    assert "9000000042" in paid.stdout and "are paid now" in paid.stdout
    assert rows(cli.db_file, f"SELECT DISTINCT status FROM charge WHERE id IN ({ids[0]}, {ids[1]})") == [
        ("paid",)
    ]
    again = cli("paid", "9000000042", "--amount", "126.00")
    assert again.returncode == 1 and "already paid" in again.stderr


# ------------------------------------------------------------------------------------------- in-process


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli_module.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_errors_and_usage_exit_codes_change_nothing(clean_db, capsys):
    from client_profile.db import unit_of_work
    from client_profile.services.demo import load_demo

    with unit_of_work() as db:
        load_demo(db)
    with Session(clean_db) as db:
        before = db.exec(select(Provider)).one().model_dump()
    for args, code, message in (
        (("provider", "create", "--slug", "x", "--name", "X"), 1, "already exists"),
        (("provider", "set", "makeups_enabled"), 2, "is not FIELD=VALUE"),
        (("provider", "set"), 2, "FIELD=VALUE"),
        (("provider", "set", "colour=red"), 1, "Unknown provider field: colour. Allowed:"),
        (("provider", "set", "bank_iban=SK00 1200 0000 1987 4263 7541"), 1, "not a valid IBAN"),
        (("provider", "set", "makeups_enabled=no", "makeups_enabled=yes"), 1, "given twice"),
        (("provider",), 2, "ACTION"),
        (("paid", "2026"), 2, "--amount"),
    ):
        try:
            result, _, err = _run(capsys, *args)
        except SystemExit as exc:
            result, err = exc.code, capsys.readouterr().err
        assert result == code, (args, err)
        assert message in err, (args, err)
    with Session(clean_db) as db:
        assert db.exec(select(Provider)).one().model_dump() == before


def test_in_process_provider_commands(clean_db, capsys):
    code, _, err = _run(capsys, "provider", "show")
    assert code == 1 and "provider create" in err
    assert _run(capsys, "provider", "create", "--slug", "otters", "--name", "Otters")[0] == 0
    code, out, _ = _run(
        capsys, "provider", "set", "allow_late_cancellation=off", "makeup_validity_days=60", "website="
    )
    assert code == 0 and "allow_late_cancellation: yes -> no" in out and "website" not in out
    code, out, _ = _run(capsys, "provider", "set", "makeup_validity_days=60")
    assert code == 0 and "nothing changed" in out
    code, _, err = _run(capsys, "provider", "set", "makeup_validity_days=sixty")
    assert code == 1 and "whole number" in err
    code, out, _ = _run(
        capsys, "invoice-profile", "set", "vat_id=SK2020123456", "vat_payer=yes", "default_vat_rate=23"
    )
    assert code == 0 and "default_vat_rate: 0 % -> 23 %" in out
    code, _, err = _run(capsys, "holiday", "remove", "2026-12-24")
    assert code == 1 and "not a holiday" in err
    code, _, err = _run(capsys, "holiday", "add", "24/12/2026")
    assert code == 1 and "YYYY-MM-DD" in err
    with Session(clean_db) as db:
        provider = db.exec(select(Provider)).one()
        assert (provider.allow_late_cancellation, provider.makeup_validity_days) == (False, 60)
        assert db.exec(select(InvoiceProfile.default_vat_rate_bp)).one() == 2300


def test_in_process_logo_errors(clean_db, capsys, tmp_path):
    assert _run(capsys, "provider", "create", "--slug", "otters", "--name", "Otters")[0] == 0
    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not a png")
    code, _, err = _run(capsys, "invoice-profile", "logo", str(bad))
    assert code == 1 and "not a picture" in err
    code, _, err = _run(capsys, "invoice-profile", "logo", str(tmp_path / "missing.png"))
    assert code == 1 and "Cannot read" in err
    with pytest.raises(SystemExit):
        cli_module.main(["invoice-profile", "logo"])
    good = io.BytesIO()
    Image.new("RGBA", (100, 100)).save(good, "PNG")
    bad.write_bytes(good.getvalue())
    code, out, _ = _run(capsys, "invoice-profile", "logo", str(bad))
    assert code == 0 and "100 x 100 px" in out
    code, out, _ = _run(capsys, "invoice-profile", "logo", "--remove")
    assert code == 0 and "no logo" in out
    with Session(clean_db) as db:
        assert db.exec(select(InvoiceProfile.logo_png)).one() is None


def test_in_process_paid_uses_the_provider_currency(clean_db, capsys):
    from client_profile.db import unit_of_work
    from client_profile.services.demo import load_demo

    with unit_of_work() as db:
        load_demo(db)
    with Session(clean_db) as db:
        gear = db.exec(select(Charge).where(Charge.description == "Swim cap + goggles")).one()
    code, _, err = _run(capsys, "paid", gear.reference, "--amount", "18,00")
    assert code == 1 and "with a dot" in err
    code, _, err = _run(capsys, "paid", gear.reference, "--amount", "18.00", "--on", "2999-01-01")
    assert code == 1 and "future" in err
    code, out, _ = _run(capsys, "paid", gear.reference, "--amount", "18.00")
    assert code == 0 and "EUR 18.00" in out
    with Session(clean_db) as db:
        assert db.get(Charge, gear.id).status == ChargeStatus.paid
        assert len(db.exec(select(Payment).where(Payment.charge_id == gear.id)).all()) == 1
        assert len(db.exec(select(Invoice).where(Invoice.charge_id == gear.id)).all()) == 2


def test_the_first_owner_starts_a_provider_on_an_empty_database(cli):
    assert cli("migrate").returncode == 0
    alone = cli("staff", "add", "boss@otters.example", "--role", "owner")
    assert alone.returncode == 1 and "--provider-name" in alone.stderr
    first = cli(
        "staff",
        "add",
        "Boss@Otters.example",
        "--role",
        "owner",
        "--name",
        "Olga Otter",
        "--provider-name",
        "Otters Swim School",
        "--timezone",
        "Europe/Bratislava",
    )
    assert first.returncode == 0, first.stderr
    assert "Otters Swim School" in first.stdout and "boss@otters.example" in first.stdout
    assert rows(cli.db_file, "SELECT slug, name, timezone, currency FROM provider") == [
        ("otters-swim-school", "Otters Swim School", "Europe/Bratislava", "EUR")
    ]
    assert rows(cli.db_file, "SELECT email, full_name, role, is_active FROM staff_member") == [
        ("boss@otters.example", "Olga Otter", "owner", 1)
    ]
    assert rows(cli.db_file, "SELECT actor, action FROM audit_entry") == [
        ("operator (client-profile staff add)", "staff.add")
    ]
    again = cli("staff", "add", "two@otters.example", "--role", "owner", "--provider-name", "Other")
    assert again.returncode == 1 and "exists already" in again.stderr
    twice = cli("staff", "add", "BOSS@otters.example", "--role", "office")
    assert twice.returncode == 1 and "already a staff member" in twice.stderr
    bad = cli("staff", "add", "x@otters.example", "--role", "janitor")
    assert bad.returncode == 2  # argparse refuses the role
