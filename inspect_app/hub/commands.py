"""Sub-commands of this area (filled in by its owner)."""


def register(sub) -> None:
    """Add this area's sub-commands to the main parser."""
