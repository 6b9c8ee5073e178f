class ApplicationError(Exception):
    """A request the business rules refuse; interfaces show it as a 400 with field errors."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
