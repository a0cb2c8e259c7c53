"""Domain errors: a broken business rule, with a message the UI can show as is."""


class DomainError(Exception):
    """An action that the rules forbid. `message` is translated and user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class IllegalTransition(DomainError):
    """A workflow step that the current status does not allow."""
