"""The assistant: answer composition, command line and web interface."""

__all__: list[str] = []
