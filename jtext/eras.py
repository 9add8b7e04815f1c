"""Japanese eras (和暦): era years ↔ western years and dates.

>>> era_to_western("令和", 5), western_to_era(2019)
(2023, [('平成', 31), ('令和', 1)])
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

_FULLWIDTH_LATIN = str.maketrans(
    {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)} | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
)


@dataclass(frozen=True)
class Era:
    name: str
    start: date  # first day (Gregorian); Meiji dates before 1873 are lunisolar in the sources
    abbrev: str  # letter used in forms and spreadsheets (R5, H31)


ERAS: tuple[Era, ...] = (
    Era("明治", date(1868, 1, 25), "M"),
    Era("大正", date(1912, 7, 30), "T"),
    Era("昭和", date(1926, 12, 25), "S"),
    Era("平成", date(1989, 1, 8), "H"),
    Era("令和", date(2019, 5, 1), "R"),
)


def _find_era(era: str) -> tuple[int, Era]:
    key = era.strip().translate(_FULLWIDTH_LATIN).upper()
    for i, e in enumerate(ERAS):
        if key in (e.name, e.abbrev):
            return i, e
    names = "、".join(e.name for e in ERAS)
    raise ValueError(f"unknown era {era!r} (use one of {names} or M/T/S/H/R)")


def _last_year(index: int) -> int | None:
    """Last era year of ERAS[index] (the era ends in the year the next one starts)."""
    if index + 1 == len(ERAS):
        return None
    return ERAS[index + 1].start.year - ERAS[index].start.year + 1


def era_to_western(era: str, year: int) -> int:
    """Western year of an era year; ``era`` is a name (令和) or letter (R).

    >>> era_to_western("令和", 5), era_to_western("昭和", 64)
    (2023, 1989)
    """
    index, found = _find_era(era)
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"era year must be an int (got {year!r}); for 元年 pass 1")
    last = _last_year(index)
    if year < 1 or (last is not None and year > last):
        bound = f"1 to {last}" if last else "at least 1"
        raise ValueError(f"{found.name}{year}年 does not exist ({found.name} years are {bound})")
    return found.start.year + year - 1


def western_to_era(year: int) -> list[tuple[str, int]]:
    """All (era, era year) pairs that cover part of ``year``; [] before Meiji.

    A year in which the era changed belongs to both eras.

    >>> western_to_era(2019)
    [('平成', 31), ('令和', 1)]
    """
    out = []
    for index, era in enumerate(ERAS):
        last = _last_year(index)
        era_year = year - era.start.year + 1
        if era_year >= 1 and (last is None or era_year <= last):
            out.append((era.name, era_year))
    return out


def date_to_era(day: date) -> tuple[str, int]:
    """The (era, era year) of a calendar day.

    >>> date_to_era(date(2019, 4, 30)), date_to_era(date(2019, 5, 1))
    (('平成', 31), ('令和', 1))
    """
    for era in reversed(ERAS):
        if day >= era.start:
            return era.name, day.year - era.start.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era (1868-01-25)")


def eras_for_month(year: int, month: int) -> list[tuple[str, int]]:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    out = []
    for name, era_year in western_to_era(year):
        index, era = _find_era(name)
        ends_before = index + 1 < len(ERAS) and ERAS[index + 1].start <= first
        if era.start <= last and not ends_before:
            out.append((name, era_year))
    return out
