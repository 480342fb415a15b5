"""Errors a user can act on: each names the file and what was wrong, in Chinese."""


class YusuanError(Exception):
    """Bad input: shown to the user as one message, exit status 2."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)
