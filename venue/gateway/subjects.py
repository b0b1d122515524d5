"""NATS subject names of the venue (docs/PROTOCOL.md, "Subjects").

Participants are numbered (the engine's u32 participant id) and the number is the last token
of their subjects. Symbols are single subject tokens.

>>> s = Subjects()
>>> s.orders(7), s.exec(7), s.md("XYZ", "trades"), s.snapshot("XYZ")
('venue.orders.7', 'venue.exec.7', 'venue.md.XYZ.trades', 'venue.snapshot.XYZ')
>>> s.participant_of("venue.orders.7"), s.participant_of("venue.orders.x")
(7, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MD_CHANNELS", "Subjects", "check_token"]

MD_CHANNELS = ("trades", "bbo", "depth", "l3")
"""The market-data channels published per symbol."""

_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")


def check_token(value: str, what: str) -> str:
    """`value` if it is a usable subject token (letters, digits, `_`, `-`), else ValueError
    naming `what`."""
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise ValueError(
            f"{what} {value!r} cannot be a NATS subject token: use letters, digits, '_' or '-'"
        )
    return value


@dataclass(frozen=True)
class Subjects:
    """Subject names under a prefix (default `venue`)."""

    prefix: str = "venue"

    def __post_init__(self) -> None:
        for token in self.prefix.split("."):
            check_token(token, "subject prefix part")

    def orders(self, participant: int | str) -> str:
        """Where `participant` sends requests (`*` for all)."""
        return f"{self.prefix}.orders.{participant}"

    def exec(self, participant: int | str) -> str:
        """Where the venue answers `participant` (`*` for all)."""
        return f"{self.prefix}.exec.{participant}"

    def md(self, symbol: str, channel: str) -> str:
        """A market-data channel of a symbol (`>` as symbol for everything)."""
        if symbol == ">":
            return f"{self.prefix}.md.>"
        return f"{self.prefix}.md.{symbol}.{channel}"

    def snapshot(self, symbol: str) -> str:
        """Request-reply subject for an L3 snapshot of a symbol."""
        return f"{self.prefix}.snapshot.{symbol}"

    def participant_of(self, subject: str) -> int | None:
        """The participant id of an order subject, or None if it is not one."""
        head = f"{self.prefix}.orders."
        if not subject.startswith(head):
            return None
        token = subject[len(head) :]
        if not token.isdigit() or len(token) > 10:
            return None
        value = int(token)
        return value if value <= 0xFFFF_FFFF else None
