"""Shared pieces of the HTTP routes: the principal of the request's session cookie, as a FastAPI dependency.

A route declares `principal: CurrentPrincipal` and receives the logged-in principal (or None); it never reads
the cookie itself. The look-up runs in its own short unit of work, before the route's own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from client_profile.db import unit_of_work
from client_profile.services.people import auth
from client_profile.services.people.identity import Principal, StaffPrincipal


def current_principal(request: Request) -> Principal | None:
    """The principal whose live session the request's cookie carries, or None."""
    with unit_of_work() as db:
        return auth.principal_for_token(db, request.cookies.get(auth.session_cookie_name()))


CurrentPrincipal = Annotated[Principal | None, Depends(current_principal)]


def current_staff(request: Request) -> StaffPrincipal | None:
    """The staff member whose live console session the request's cookie carries, or None."""
    with unit_of_work() as db:
        return auth.staff_principal_for_token(db, request.cookies.get(auth.session_cookie_name(auth.STAFF)))


CurrentStaff = Annotated[StaffPrincipal | None, Depends(current_staff)]
