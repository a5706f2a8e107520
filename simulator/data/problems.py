"""What is wrong with a planner's file, said so that they can fix it: one :class:`Problem` per
reason (column, rows, message, fix) and the :class:`DataError` that carries them all.

Every reader and check of :mod:`simulator.data` (tables, archives, the SQL counts, the price
history) raises these, so the page and the command line show every problem the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

MISSING_SPELLINGS: tuple[str, ...] = (
    "",
    "NA",
    "N/A",
    "n/a",
    "NaN",
    "nan",
    "null",
    "NULL",
    "None",
    "#N/A",
)
"""Cell texts read as a missing value, by every reader."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded table.

    ``column`` is the file's column name (None for the whole file); ``rows`` the first few row
    numbers as the file shows them (header = row 1); ``severity`` "error" stops calibration,
    "warning" does not.
    """

    column: str | None
    rows: tuple[int, ...]
    message: str
    fix: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"column {self.column!r}" if self.column is not None else "file"
        rows = f" (rows {', '.join(map(str, self.rows))})" if self.rows else ""
        return f"{self.severity}: {where}{rows}: {self.message}. {self.fix}"


class DataError(ValueError):
    """An uploaded table that cannot be used; ``problems`` lists every reason."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"{name}: cannot use this table:\n{lines}")


def fail(name: str, message: str, fix: str) -> DataError:
    """The error of a file ``name`` that cannot be used: one problem, no column or rows."""
    return DataError(name, [Problem(None, (), message, fix)])


def size_text(size: int) -> str:
    """A size in bytes as megabytes for a message ("61 MB", "0.4 MB")."""
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**20:.1f} MB"
