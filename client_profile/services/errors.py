"""Errors services raise; state handlers and routes turn them into messages. Never leak why access failed."""


class DomainError(Exception):
    """Bad input or a rule that forbids the action. The message is safe to show to the client."""


class NotFound(DomainError):
    """The object does not exist *or* the acting identity may not see it: the two look the same."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"This {what} was not found.")


class NotAuthenticated(Exception):
    """No valid session: the client must log in (again)."""


class Forbidden(DomainError):
    """A staff member's role does not allow the action (the console names the missing right; it does not hide
    that the object exists, staff know what the provider has)."""

    def __init__(self, what: str = "do this") -> None:
        super().__init__(f"Your role does not allow you to {what}.")


class StaleEdit(DomainError):
    """The record was changed by someone else after this form was opened."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(
            f"This {what} was changed by someone else. Reload to see their change, then try again."
        )


class FieldErrors(DomainError):
    """Bad input in a form: one message per field (``fields``: field name -> message), shown next to the field.
    The exception's own message lists them all, for callers that show one line."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()) or "Please check the form.")


class InvalidField(FieldErrors):
    """Bad input for one form field: ``field`` names it (``fields`` has that one entry)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__({field: message})
        self.field = field
