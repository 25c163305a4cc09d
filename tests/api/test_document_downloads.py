"""Invoice and receipt downloads over HTTP: private, uncached, another family's document is the same 404."""

from __future__ import annotations

from starlette.testclient import TestClient

from client_profile.services.money import billing
from tests.payment_helpers import docs_of, session_cookie

BASE = "http://localhost:3000"
ANNA, BEN, PETER = "anna@example.com", "ben@example.com", "peter@example.com"


def test_document_downloads_are_private_and_uncached(demo, api):
    anna_docs, ben_docs = docs_of(ANNA), docs_of(BEN)
    assert anna_docs and ben_docs
    with TestClient(api, base_url=BASE, cookies=session_cookie(None, ANNA)) as client:
        own = client.get(f"/documents/{anna_docs[0].id}.pdf")
        assert own.status_code == 200 and own.content.startswith(b"%PDF")
        assert (
            own.headers["cache-control"] == "no-store" and own.headers["x-content-type-options"] == "nosniff"
        )
        assert (
            own.headers["content-disposition"]
            == f'attachment; filename="{billing.document_filename(anna_docs[0])}"'
        )
        other = client.get(f"/documents/{ben_docs[0].id}.pdf")
        missing = client.get("/documents/999999.pdf")
        assert other.status_code == missing.status_code == 404 and other.content == missing.content
        assert other.headers["cache-control"] == "no-store"
        for junk in ("0", "-1", "abc", "1%20OR%201=1", "99999999999999999999999", "1.5"):
            assert client.get(f"/documents/{junk}.pdf").status_code == 404
    with TestClient(api, base_url=BASE, cookies=session_cookie(None, PETER)) as client:  # view-only share
        assert client.get(f"/documents/{anna_docs[0].id}.pdf").status_code == 404
    with TestClient(api, base_url=BASE) as anonymous:
        r = anonymous.get(f"/documents/{anna_docs[0].id}.pdf")
        assert r.status_code == 401 and b"%PDF" not in r.content
