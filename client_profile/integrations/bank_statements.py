"""Reading bank statements: ISO 20022 camt.053 (XML) and CSV exports, into plain lines.

Pure parsing: no database, no rules about what a line pays (services/money/statements.py decides that).

- camt.053: parsed with `defusedxml` (docs/decisions.md "Bank statements"): a document type declaration is
  refused outright, so no entity (billion laughs, an external file or URL) is ever expanded or fetched. Entries
  with the status BOOK (or none) are read; each transaction detail of an entry is one line.
- CSV: one documented generic layout (docs/domain.md "Bank statements"), with the column names of common
  Slovak and Czech bank exports as aliases; comma, semicolon or tab; UTF-8 or Windows-1250.

Anything unreadable raises `StatementError` with a message a clerk can act on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

MAX_LINES = 5000


class StatementError(ValueError):
    """The file is not a statement we can read; the message says why (safe to show)."""


@dataclass(frozen=True)
class StatementLine:
    booked_on: date
    amount_minor: int  # positive
    currency: str
    incoming: bool  # a credit to the provider's account; False: a debit (money out)
    reference: str = ""  # the variable symbol / payment reference found ("" when none)
    counterparty: str = ""
    counterparty_account: str = ""
    message: str = ""
    bank_id: str = ""  # the bank's own id of the transaction ("" when the file has none)
    dedupe_key: str = ""  # unique per provider: "id:<bank id>" or "h:<hash of the line>#<n>"


@dataclass(frozen=True)
class ParsedStatement:
    format: str  # "camt053" or "csv"
    account: str
    lines: list[StatementLine]


def parse_statement(data: bytes, file_name: str = "") -> ParsedStatement:
    """A camt.053 document (it starts with "<") or a CSV file."""
    if not data.strip():
        raise StatementError("The file is empty.")
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    parsed = parse_camt053(data) if head == b"<" else parse_csv(data)
    if not parsed.lines:
        raise StatementError("The file has no transactions.")
    return parsed


# ----------------------------------------------------------------------------------------------- references

_VS_PATTERNS = (
    re.compile(r"/VS/?(\d{1,10})(?!\d)", re.IGNORECASE),
    re.compile(r"\bVS[\s:.#/-]*(\d{1,10})(?!\d)", re.IGNORECASE),
    re.compile(r"variab\w*\s+symbol\w*[\s:.#-]*(\d{1,10})(?!\d)", re.IGNORECASE),
)
_BARE_NUMBER = re.compile(r"(?<![\d/])(\d{9,10})(?![\d/])")


def normalise_reference(value: str) -> str:
    """A variable symbol as the portal writes it: digits only, without leading zeros ("0202600001" is
    "202600001"); other references are kept as written (trimmed, at most 35 characters)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return value.lstrip("0") or "0"
    return value[:35]


def extract_reference(*, symbol: str = "", structured: str = "", end_to_end: str = "", text: str = "") -> str:
    """The payment reference of a line, in order of trust: the variable-symbol field, the structured
    creditor reference, "/VS.../" in the end-to-end id, then "VS 123" or a bare 9-10 digit number in the
    free text."""
    symbol = (symbol or "").strip()
    if symbol and symbol.isascii() and symbol.isdigit() and int(symbol) > 0:
        return normalise_reference(symbol)
    for source in (structured, end_to_end, text):
        for pattern in _VS_PATTERNS:
            found = pattern.search(source or "")
            if found and int(found.group(1)) > 0:
                return normalise_reference(found.group(1))
    structured = (structured or "").strip()
    if structured.isascii() and structured.isdigit() and int(structured) > 0:
        return normalise_reference(structured)
    found = _BARE_NUMBER.search(text or "")
    return normalise_reference(found.group(1)) if found else ""


# ---------------------------------------------------------------------------------------------- amounts

_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_amount(text: str) -> Decimal:
    """ "1 234,56", "1234.56", "-35,00", "1.234,56", "1,234.56" -> Decimal."""
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in raw and "." in raw:  # the last separator is the decimal one
        comma_decimal = raw.rfind(",") > raw.rfind(".")
        raw = raw.replace(".", "").replace(",", ".") if comma_decimal else raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    if not _AMOUNT.match(raw):
        raise StatementError(f"The amount {text.strip()[:20]!r} is not a number.")
    try:
        return Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already checked it
        raise StatementError(f"The amount {text.strip()[:20]!r} is not a number.") from exc


def to_minor(amount: Decimal) -> int:
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise StatementError(f"The amount {amount} has more than two decimals.")
    if abs(minor) >= 10**12:
        raise StatementError(f"The amount {amount} is too large.")
    return int(minor)


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y", "%Y%m%d")


def parse_day(text: str) -> date:
    raw = (text or "").strip()
    raw = raw.split("T", 1)[0] if len(raw) > 10 and "T" in raw else raw.split(" ", 1)[0]
    raw = raw.replace(". ", ".")
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise StatementError(f"The date {text.strip()[:20]!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY).")


def _currency(text: str, fallback: str = "EUR") -> str:
    value = (text or "").strip().upper() or fallback
    if not (len(value) == 3 and value.isascii() and value.isalpha()):
        raise StatementError(f"The currency {text.strip()[:10]!r} is not a currency code.")
    return value


def _clean(text: str | None, limit: int) -> str:
    """One line of printable text, at most `limit` characters."""
    value = " ".join((text or "").split())
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return value[:limit]


def _with_keys(lines: list[StatementLine]) -> list[StatementLine]:
    """Each line's dedupe key: the bank's id when the file has one, else a hash of what the line says plus its
    occurrence (two equal transfers in one file are two lines; the same file read again gives the same keys)."""
    seen: Counter[str] = Counter()
    keyed = []
    for line in lines:
        if line.bank_id:
            key = "id:" + line.bank_id[:76]
        else:
            fields = (
                line.booked_on.isoformat(),
                str(line.amount_minor if line.incoming else -line.amount_minor),
                line.currency,
                line.reference,
                line.counterparty.casefold(),
                line.counterparty_account.replace(" ", "").upper(),
                line.message.casefold(),
            )
            digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:40]
            seen[digest] += 1
            key = f"h:{digest}#{seen[digest]}"
        if key in {k.dedupe_key for k in keyed}:
            raise StatementError(f"The transaction id {line.bank_id[:40]!r} appears twice in the file.")
        keyed.append(replace(line, dedupe_key=key))
    return keyed


# ---------------------------------------------------------------------------------------------- camt.053


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` (local names, any namespace)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _children(element: Element | None, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name] if element is not None else []


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _party_name(party: Element | None) -> str:
    # camt.053.001.02: Dbtr/Nm; from .08 on: Dbtr/Pty/Nm
    return _text(party, "Nm") or _text(party, "Pty", "Nm")


def _account_id(account: Element | None) -> str:
    return _text(account, "Id", "IBAN") or _text(account, "Id", "Othr", "Id")


def parse_camt053(data: bytes) -> ParsedStatement:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise StatementError(
            "The XML file declares a document type or entities, which a bank statement never needs; "
            "it was refused."
        ) from exc
    except (ParseError, ValueError) as exc:
        raise StatementError("The file is not well-formed XML.") from exc
    report = _child(root, "BkToCstmrStmt")
    if _local(root.tag) != "Document" or report is None:
        raise StatementError("The XML file is not a camt.053 bank statement (BkToCstmrStmt).")
    lines: list[StatementLine] = []
    account = ""
    for statement in _children(report, "Stmt"):
        account = account or _account_id(_child(statement, "Acct"))
        statement_currency = _text(statement, "Acct", "Ccy")
        for entry in _children(statement, "Ntry"):
            lines += _entry_lines(entry, statement_currency)
            if len(lines) > MAX_LINES:
                raise StatementError(f"The statement has more than {MAX_LINES} transactions; split it.")
    return ParsedStatement("camt053", _clean(account, 64), _with_keys(lines))


def _entry_lines(entry: Element, statement_currency: str) -> list[StatementLine]:
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if status and status.upper() not in ("BOOK", "BOOKED"):
        return []  # pending or informational entries are not money yet
    amount_element = _child(entry, "Amt")
    if amount_element is None:
        raise StatementError("A camt.053 entry has no amount.")
    entry_amount = parse_amount(amount_element.text or "")
    currency = _currency(amount_element.get("Ccy", ""), statement_currency or "EUR")
    indicator = _text(entry, "CdtDbtInd").upper()
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError("A camt.053 entry has no credit/debit indicator.")
    booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm") or _text(entry, "ValDt", "Dt")
    if not booked:
        raise StatementError("A camt.053 entry has no booking date.")
    day = parse_day(booked)
    entry_id = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = [tx for d in _children(entry, "NtryDtls") for tx in _children(d, "TxDtls")] or [None]
    lines = []
    for index, tx in enumerate(details):
        amount = entry_amount
        tx_amount = _child(tx, "Amt") if tx is not None else None
        if tx_amount is not None and len(details) > 1:
            amount = parse_amount(tx_amount.text or "")
        minor = abs(to_minor(amount))
        if minor == 0:
            continue
        incoming = indicator == "CRDT"
        parties = _child(tx, "RltdPties")
        # The other side: the debtor of money coming in, the creditor of money going out.
        party, party_account = ("Dbtr", "DbtrAcct") if incoming else ("Cdtr", "CdtrAcct")
        remittance = _child(tx, "RmtInf")
        unstructured = " ".join(
            (u.text or "").strip() for u in _children(remittance, "Ustrd") if (u.text or "").strip()
        ) or _text(entry, "AddtlNtryInf")
        structured = " ".join(
            _text(s, "CdtrRefInf", "Ref")
            for s in _children(remittance, "Strd")
            if _text(s, "CdtrRefInf", "Ref")
        )
        tx_id = _text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "TxId")
        if not tx_id and entry_id:
            tx_id = entry_id if len(details) == 1 else f"{entry_id}/{index + 1}"
        lines.append(
            StatementLine(
                booked_on=day,
                amount_minor=minor,
                currency=currency,
                incoming=incoming,
                reference=extract_reference(
                    structured=structured, end_to_end=_text(tx, "Refs", "EndToEndId"), text=unstructured
                ),
                counterparty=_clean(_party_name(_child(parties, party)), 200),
                counterparty_account=_clean(_account_id(_child(parties, party_account)), 64),
                message=_clean(unstructured, 300),
                bank_id=_clean(tx_id, 100),
            )
        )
    return lines


# ---------------------------------------------------------------------------------------------------- CSV

# The generic layout's columns (first name) and the names SK/CZ bank exports use for them (lower case,
# accents removed).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": (
        "date",
        "booking date",
        "booking_date",
        "posting_date",
        "posting date",
        "datum",
        "datum zauctovania",
        "datum zauctovani",
        "datum splatnosti",
        "datum pohybu",
        "datum transakcie",
        "datum transakce",
        "value date",
    ),
    "amount": ("amount", "suma", "ciastka", "castka", "objem", "amount_eur"),
    "currency": ("currency", "mena", "ccy"),
    "reference": (
        "variable symbol",
        "variable_symbol",
        "vs",
        "variabilni symbol",
        "variabilny symbol",
        "reference",
        "payment reference",
    ),
    "counterparty": (
        "counterparty",
        "counterparty name",
        "payer",
        "name",
        "nazov protiuctu",
        "nazev protiuctu",
        "nazev uctu",
        "nazov uctu",
        "protistrana",
    ),
    "counterparty_account": (
        "counterparty account",
        "counterparty_account",
        "payers_iban",
        "iban",
        "protiucet",
        "cislo protiuctu",
        "ucet protistrany",
    ),
    "message": (
        "message",
        "note",
        "information_for_beneficiary",
        "information for beneficiary",
        "zprava pro prijemce",
        "sprava pre prijemcu",
        "sprava pre prijimatela",
        "sprava pre adresata",
        "poznamka",
        "popis",
        "description",
    ),
    "transaction_id": (
        "transaction id",
        "transaction_id",
        "id",
        "id pohybu",
        "id transakcie",
        "id transakce",
        "bank reference",
    ),
}


def _plain_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").strip().strip('"').lower())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise StatementError("The file is neither a CSV text file nor camt.053 XML.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1250", errors="replace")


def parse_csv(data: bytes) -> ParsedStatement:
    text = _decode(data)
    sample = "\n".join(text.splitlines()[:30])
    delimiter = max((";", ",", "\t"), key=lambda d: sample.count(d))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_at, columns = _find_header(rows)
    lines: list[StatementLine] = []
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_LINES:
            raise StatementError(f"The statement has more than {MAX_LINES} transactions; split it.")

        def cell(name: str, row=row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        try:
            amount = to_minor(parse_amount(cell("amount")))
            day = parse_day(cell("date"))
            currency = _currency(cell("currency"))
        except StatementError as exc:
            raise StatementError(f"Row {number}: {exc}") from exc
        if amount == 0:
            continue
        message = _clean(cell("message"), 300)
        lines.append(
            StatementLine(
                booked_on=day,
                amount_minor=abs(amount),
                currency=currency,
                incoming=amount > 0,
                reference=extract_reference(symbol=cell("reference"), text=message),
                counterparty=_clean(cell("counterparty"), 200),
                counterparty_account=_clean(cell("counterparty_account"), 64),
                message=message,
                bank_id=_clean(cell("transaction_id"), 100),
            )
        )
    return ParsedStatement("csv", "", _with_keys(lines))


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header row (within the first 30: exports often start with an account summary) and its columns."""
    for at, row in enumerate(rows[:30]):
        names = [_plain_name(c) for c in row]
        columns: dict[str, int] = {}
        for column, aliases in _COLUMNS.items():
            for index, name in enumerate(names):
                if name in aliases and index not in columns.values():
                    columns[column] = index
                    break
        if "date" in columns and "amount" in columns:
            return at, columns
    raise StatementError(
        "The CSV file has no header row with a date and an amount column "
        "(expected: date, amount, currency, variable_symbol, counterparty, counterparty_account, message, "
        "transaction_id)."
    )
