"""Errors services raise; state handlers and routes turn them into messages. Never leak why access failed."""


class DomainError(Exception):
    """Bad input or a rule that forbids the action. The message is safe to show to the client."""


class NotFound(DomainError):
    """The object does not exist *or* the acting identity may not see it: the two look the same."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"This {what} was not found.")


class NotAuthenticated(Exception):
    """No valid session: the client must log in (again)."""
