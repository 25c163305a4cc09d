"""Bank statements for tests: a camt.053 document built from a few entries, and a staff principal of the demo."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from sqlmodel import select

from client_profile import clock
from client_profile.models import Charge, ChargeStatus, Family, StaffMember
from client_profile.services.people.identity import StaffPrincipal


def camt053(*entries: tuple, account: str = "SK3112000000198742637541") -> bytes:
    """entries: (bank id, amount "108.00", reference, "CRDT"/"DBIT", day, payer) — the reference goes into the
    SK-style end-to-end id "/VS<ref>/SS/KS"."""
    body = []
    for bank_id, amount, reference, indicator, day, payer in entries:
        party = "Dbtr" if indicator == "CRDT" else "Cdtr"
        body.append(
            f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day.isoformat()}</Dt></BookgDt><AcctSvcrRef>{escape(bank_id)}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>/VS{escape(reference)}/SS/KS</EndToEndId></Refs>
<RltdPties><{party}><Nm>{escape(payer)}</Nm></{party}></RltdPties>
<RmtInf><Ustrd>Fee</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>T</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>1</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>{''.join(body)}</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def staff_of(db, email: str = "office@example.com") -> StaffPrincipal:
    member = db.exec(select(StaffMember).where(StaffMember.email == email)).one()
    return StaffPrincipal(
        member.id, member.provider_id, member.session_epoch, member.email, member.full_name, member.role.value
    )


def unpaid_of(db, family_name: str = "") -> list[Charge]:
    """The unpaid charges (of the families whose name contains `family_name`), oldest first."""
    return list(
        db.exec(
            select(Charge)
            .join(Family, Family.id == Charge.family_id)
            .where(Family.name.contains(family_name), Charge.status == ChargeStatus.unpaid)
            .order_by(Charge.id)
        ).all()
    )


def euros(amount_minor: int) -> str:
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def a_day() -> date:
    """Yesterday in the demo provider's time zone (a transfer cannot arrive in the future)."""
    return clock.today("Europe/Bratislava") - timedelta(days=1)


def new_charge(db, amount_minor: int, reference: str, family_name: str = "Novak") -> Charge:
    """One more unpaid charge of the family (the demo has only two unpaid ones), committed."""
    family = db.exec(select(Family).where(Family.name == family_name)).one()
    charge = Charge(
        provider_id=family.provider_id,
        family_id=family.id,
        description=f"Extra {reference}",
        amount_minor=amount_minor,
        currency="EUR",
        reference=reference,
    )
    db.add(charge)
    db.commit()
    return charge
