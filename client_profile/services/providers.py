"""The provider this installation serves (one per installation; rows still carry provider_id)."""

from __future__ import annotations

from sqlmodel import Session, select

from client_profile.models import Provider
from client_profile.services.errors import DomainError


def current_provider(db: Session) -> Provider:
    provider = db.exec(select(Provider).order_by(Provider.id)).first()
    if provider is None:
        raise DomainError(
            "This Client Profile is not set up yet: no provider exists (run `client-profile demo`)."
        )
    return provider
