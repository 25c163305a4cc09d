"""integrations/bank_statements.py: camt.053 and CSV files into lines, references, refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from client_profile.integrations.bank_statements import (
    StatementError,
    extract_reference,
    parse_amount,
    parse_statement,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_camt053_sample_credits_debits_references_and_ids():
    parsed = parse_statement(_read("camt053_sample.xml"))
    assert parsed.format == "camt053"
    assert parsed.account == "SK3112000000198742637541"
    # The pending entry (PDNG) is not money yet: four booked entries.
    assert [(x.amount_minor, x.incoming, x.reference, x.bank_id) for x in parsed.lines] == [
        (10800, True, "202600001", "TB-0001"),  # SK end-to-end id /VS.../SS/KS
        (3550, False, "", "TB-0002"),  # money out
        (6000, True, "9123456789", "TB-0003"),  # structured creditor reference
        (1500, True, "202600777", "TB-0005"),  # "VS: 0202600777" in the text, leading zero dropped
    ]
    first = parsed.lines[0]
    assert first.booked_on == date(2026, 11, 28)
    assert (first.counterparty, first.counterparty_account) == ("Anna Novak", "SK8975000000000012345671")
    assert parsed.lines[2].counterparty == "Peter Carter"  # camt.053.001.08 style Dbtr/Pty/Nm
    assert parsed.lines[1].counterparty == "Pool rental s.r.o."  # the creditor of money going out
    assert {x.dedupe_key for x in parsed.lines} == {"id:TB-0001", "id:TB-0002", "id:TB-0003", "id:TB-0005"}


def test_generic_csv_layout():
    parsed = parse_statement(_read("generic.csv"))
    assert parsed.format == "csv"
    assert [(x.booked_on, x.amount_minor, x.incoming, x.reference, x.bank_id) for x in parsed.lines] == [
        (date(2026, 11, 28), 10800, True, "202600001", "T-100"),
        (date(2026, 11, 28), 3550, False, "", "T-101"),
        (date(2026, 11, 29), 6000, True, "9123456789", "T-102"),  # /VS/ in the message
    ]


def test_czech_bank_export_in_windows_1250_with_a_preamble():
    parsed = parse_statement(_read("fio_cz.csv"))
    assert [(x.amount_minor, x.currency, x.incoming, x.reference) for x in parsed.lines] == [
        (108000, "CZK", True, "202600001"),  # "1 080,00"
        (25000, "CZK", False, ""),
        (50000, "CZK", True, "202600002"),  # "VS 202600002" in the message
    ]
    assert parsed.lines[0].counterparty == "Jiří Dvořák"
    assert parsed.lines[0].booked_on == date(2026, 11, 28)


def test_lines_without_a_bank_id_get_a_stable_hash_and_equal_lines_stay_two():
    data = b"date;amount;vs;message\n05.01.2026;50,00;123456789;Fee\n05.01.2026;50,00;123456789;Fee\n"
    first, second = parse_statement(data).lines
    assert first.dedupe_key.startswith("h:") and first.dedupe_key.endswith("#1")
    assert second.dedupe_key == first.dedupe_key[:-1] + "2"
    assert [x.dedupe_key for x in parse_statement(data).lines] == [first.dedupe_key, second.dedupe_key]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"symbol": "0012345"}, "12345"),
        ({"end_to_end": "/VS0202600001/SS/KS0308"}, "202600001"),
        ({"end_to_end": "NOTPROVIDED", "text": "VS:202600005 swimming"}, "202600005"),
        ({"structured": "9123456789"}, "9123456789"),
        ({"text": "Platba 202600003 Ema"}, "202600003"),
        ({"text": "variabilní symbol 77"}, "77"),
        ({"text": "no reference here, phone 0905 111"}, ""),
        ({"symbol": "0"}, ""),
    ],
)
def test_reference_extraction(kwargs, expected):
    assert extract_reference(**kwargs) == expected


@pytest.mark.parametrize(
    ("text", "minor"),
    [("108.00", 10800), ("1 080,00", 108000), ("1.234,56", 123456), ("1,234.56", 123456), ("-35,5", -3550)],
)
def test_amounts(text, minor):
    assert int(parse_amount(text) * 100) == minor


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1.00</Amt><AddtlNtryInf>&lol3;</AddtlNtryInf>
</Ntry></Stmt></BkToCstmrStmt></Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Ntry><AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_malicious_xml_is_refused_before_any_entity_is_expanded(data):
    with pytest.raises(StatementError, match="document type or entities"):
        parse_statement(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "neither"),
        (b"<not-xml", "not well-formed"),
        (b"<Document><Other/></Document>", "not a camt.053"),
        (b"hello,world\n1,2\n", "no header row"),
        (b"date,amount\n2026-01-05,abc\n", "Row 2: The amount 'abc' is not a number"),
        (b"date,amount\nyesterday,1.00\n", "Row 2: The date"),
        (b"date,amount\n", "no transactions"),
        (b"date,amount,transaction_id\n2026-01-05,1.00,A\n2026-01-06,2.00,A\n", "appears twice"),
    ],
)
def test_junk_is_refused_with_a_clear_message(data, message):
    with pytest.raises(StatementError, match=message):
        parse_statement(data)


def test_slovak_bank_export_with_constant_and_specific_symbols():
    parsed = parse_statement(_read("sk_bank.csv"))
    assert [(x.amount_minor, x.incoming, x.reference, x.bank_id) for x in parsed.lines] == [
        (10800, True, "202600001", "SLSP-9001"),  # the VS column (zero-padded), not KS 0308 or SS 123
        (120000, False, "", "SLSP-9002"),
    ]
    assert (parsed.lines[0].counterparty, parsed.lines[0].message) == ("Anna Nováková", "Plávanie jeseň")
    assert parsed.lines[0].counterparty_account == "SK8975000000000012345671"


BATCH = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><Stmt>
<Acct><Id><Othr><Id>2100123456/2010</Id></Othr></Id></Acct>
<Ntry><Amt Ccy="CZK">1580.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><DtTm>2026-11-28T10:15:00</DtTm></BookgDt><AcctSvcrRef>BATCH-7</AcctSvcrRef>
<NtryDtls>
<TxDtls><Refs><AcctSvcrRef>TX-1</AcctSvcrRef></Refs><Amt Ccy="CZK">1080.00</Amt>
<RmtInf><Strd><CdtrRefInf><Ref>202600001</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
<TxDtls><Amt Ccy="CZK">500.00</Amt><RmtInf><Ustrd>VS/202600002</Ustrd></RmtInf></TxDtls>
</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"""


def test_a_batch_entry_is_one_line_per_transaction_each_with_its_own_id():
    parsed = parse_statement(BATCH)
    assert parsed.account == "2100123456/2010"
    assert [(x.amount_minor, x.currency, x.reference, x.dedupe_key) for x in parsed.lines] == [
        (108000, "CZK", "202600001", "id:TX-1"),
        (50000, "CZK", "202600002", "id:BATCH-7/2"),
    ]
    assert parsed.lines[0].booked_on == date(2026, 11, 28)
