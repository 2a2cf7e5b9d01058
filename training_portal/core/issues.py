"""What an import reports of a file it refuses: where and why, for each bad row or line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Issue:
    """Where and why: ``item`` is a row number ("row 7"), a line ("line 12") or an id."""

    item: str  # or a lazy string, translated when shown
    reason: str

    def as_json(self) -> dict:
        return {"item": str(self.item), "reason": str(self.reason)}
