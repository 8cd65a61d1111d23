"""Names and addresses to canonical forms, deficiency classes and blocking keys."""

__all__: list[str] = []
