"""The console's CSV export of charges (/admin/money/charges.csv): a staff session with the money right only (no
session: to the console login and back; a client's cookie is no staff session; an instructor: 403), the list's
filters as query parameters (a bad one: 400 naming it), and cells a spreadsheet would run as formulas quoted."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from client_profile.models import AuditEntry, Client, Family, StaffMember
from client_profile.services.money import charges
from client_profile.services.people import auth
from client_profile.services.people.identity import StaffPrincipal

EXPORT = "/admin/money/charges.csv"


def _cookie(db, email: str, area=auth.STAFF) -> dict[str, str]:
    model = StaffMember if area is auth.STAFF else Client
    row = db.exec(select(model).where(model.email == email)).one()
    token, _ = auth.create_session(db, row.id, row.session_epoch, area=area)
    db.commit()
    return {auth.session_cookie_name(area): token}


def _get(api, path: str, cookies: dict[str, str] | None = None):
    with TestClient(api, base_url="http://localhost:3000", cookies=cookies or {}) as c:
        return c.get(path, follow_redirects=False)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"].startswith('attachment; filename="charges-')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def owner(demo):
    return _cookie(demo, "office@example.com")


def test_no_staff_session_goes_to_the_console_login_and_back(api, demo):
    for cookies in ({}, _cookie(demo, "anna@example.com", auth.CLIENT)):
        r = _get(api, EXPORT + "?status=unpaid", cookies)
        assert r.status_code == 303
        assert r.headers["location"] == "/admin/login?next=%2Fadmin%2Fmoney%2Fcharges.csv%3Fstatus%3Dunpaid"
        assert "Reference" not in r.text


def test_an_instructor_is_refused(api, demo):
    r = _get(api, EXPORT, _cookie(demo, "martina@example.com"))
    assert r.status_code == 403 and "does not allow" in r.text and "Reference" not in r.text


def test_the_filters_are_query_parameters(api, demo, owner):
    everything = _rows(_get(api, EXPORT, owner))
    assert tuple(everything[0]) == charges.CSV_HEADER and len(everything) > 3
    paid = _rows(_get(api, EXPORT + "?status=paid", owner))
    assert len(paid) > 1 and {row[9] for row in paid[1:]} == {"paid"}
    carter = _rows(_get(api, EXPORT + "?q=carter", owner))
    assert len(carter) > 1 and {row[1] for row in carter[1:]} == {"Carter"}
    dated = _rows(_get(api, EXPORT + "?due_from=2000-01-01&due_to=2000-01-02", owner))
    assert dated == [list(charges.CSV_HEADER)]
    bad = _get(api, EXPORT + "?status=owing&due_from=soon", owner)
    assert bad.status_code == 400 and "Due from" in bad.text
    demo.rollback()
    assert demo.exec(select(AuditEntry).where(AuditEntry.action == "charge.export")).all().__len__() == 4


def test_formula_cells_are_quoted(api, demo, owner):
    novak = demo.exec(select(Family).where(Family.name == "Novak")).one()
    novak.name = "=1+2"
    demo.add(novak)
    member = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    office = StaffPrincipal(
        member.id, member.provider_id, 1, member.email, member.full_name, member.role.value
    )
    charges.create_charge(demo, office, novak.id, description="@SUM(A1:A9)", amount="10")
    charges.create_charge(demo, office, novak.id, description="-2+3", amount="10")
    demo.commit()
    rows = _rows(_get(api, EXPORT + "?q=%3D1", owner))
    assert len(rows) > 2
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2" in cells and "'@SUM(A1:A9)" in cells and "'-2+3" in cells
    assert not any(cell[:1] in "=+-@" and cell for cell in cells)
