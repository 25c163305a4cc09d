"""Contract tests of /api/v1 generated from its own OpenAPI document (Schemathesis, against the ASGI app in
process): whatever a read-write key sends, the API answers with a status code and a body its document declares,
and never a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from sqlmodel import select

from client_profile.api.v1 import build_v1
from client_profile.models import StaffMember
from client_profile.services.integrations import api_keys
from client_profile.services.people.identity import StaffPrincipal
from tests.login_helpers import override_env

# The v1 app alone (no Reflex): building it and reading its document touch no database.
schema = schemathesis.openapi.from_asgi("/openapi.json", build_v1())

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def write_key(demo):
    m = demo.exec(select(StaffMember).where(StaffMember.email == "office@example.com")).one()
    owner = StaffPrincipal(m.id, m.provider_id, 0, m.email, m.full_name, m.role.value)
    _, key = api_keys.create_key(demo, owner, "Contract", True)
    demo.commit()
    with override_env(API_RATE_LIMIT_PER_MINUTE="1000000"):
        yield key


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_keeps_its_contract(case, write_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {write_key}"}, checks=CHECKS)
