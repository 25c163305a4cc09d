"""Shared helpers for HTTP routes: one unit of work and the principal from the session cookie."""

from __future__ import annotations

from fastapi import Request
from sqlmodel import Session

from client_profile.services import auth
from client_profile.services.identity import Principal


def principal_from_request(db: Session, request: Request) -> Principal | None:
    return auth.principal_for_token(db, request.cookies.get(auth.session_cookie_name()))
