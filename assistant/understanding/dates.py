"""The date a message states, resolved against the restaurant's today."""

import datetime
import re

from assistant.understanding.party import CHILDREN, PEOPLE
from assistant.understanding.text import overlaps, words_list

WEEKDAYS = {
    **{
        day: number
        for number, day in enumerate(
            words_list("lunes martes miercoles jueves viernes sabado domingo")
        )
    },
    **{
        day: number
        for number, day in enumerate(
            words_list("monday tuesday wednesday thursday friday saturday sunday")
        )
    },
}
_SPANISH_MONTHS = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
_ENGLISH_MONTHS = (
    "january february march april may june july august september october november december"
)
MONTHS = {
    **{month: number for number, month in enumerate(words_list(_SPANISH_MONTHS), start=1)},
    **{month: number for number, month in enumerate(words_list(_ENGLISH_MONTHS), start=1)},
    # "mar" is also the sea ("frutos del mar"): March is written whole or not at all.
    **{
        month[:3]: number
        for number, month in enumerate(words_list(_ENGLISH_MONTHS), start=1)
        if month[:3] not in ("may", "mar")
    },
    **{"setiembre": 9, "sept": 9, "ene": 1, "abr": 4, "ago": 8, "dic": 12},
}
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
_WEEKDAY = "(?:" + "|".join(WEEKDAYS) + ")"
_RECURRING = re.compile(
    r"\b(?:los|cada|every)\s+(?:" + _WEEKDAY + r")s?\b|\b(?:sabados|domingos|"
    r"mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b"
)
_WEEKDAY_MENTION = re.compile(r"\b(?P<other>otro )?(?P<day>" + _WEEKDAY + r")\b")
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(?:de\s+|of\s+)?("
    + _MONTH
    + r")(?:\s*(?:de\s+|del\s+)?(\d{4}))?"
)
_MONTH_DAY = re.compile(r"\b(" + _MONTH + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?")
_NUMERIC = re.compile(r"(?<![\d:])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2,4}))?(?![\d:])")
_DAY_ALONE = re.compile(
    r"(?:\b(?:el|del|the|on the|dia|el dia|for the|"
    + _WEEKDAY
    + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b|"
    r"\b(\d{1,2})(?:st|nd|rd|th)\b)"
    r"(?!\s*(?::|\.\d|hs\b|h\b|am\b|pm\b|de la\b|" + PEOPLE + "|" + CHILDREN + "))"
)
_RELATIVE = [
    (re.compile(r"\b(?:pasado manana|day after tomorrow)\b"), 2),
    (re.compile(r"\b(?:anteayer|antier|day before yesterday)\b"), -2),
    (re.compile(r"(?<!la )(?<!esta )\bmanana\b|\btomorrow\b|\btmrw\b|\btmr\b"), 1),
    (re.compile(r"\b(?:ayer|yesterday)\b"), -1),
    (
        re.compile(
            r"\b(?:hoy|today|tonight|tonite|esta noche|esta tarde|esta manana|this evening|"
            r"this afternoon|this morning|ahora mismo|ahorita|right now)\b"
        ),
        0,
    ),
]
_TONIGHT_FALLBACK = re.compile(
    r"\b(?:en la noche|por la noche|a la noche|en la tarde|a la tarde|in the evening)\b"
)
# (day, month) of the holidays customers name instead of a date.
HOLIDAYS = {
    r"\b(?:nochebuena|christmas eve)\b": (24, 12),
    r"\b(?:navidad|christmas(?: day)?|xmas)\b": (25, 12),
    r"\b(?:nochevieja|fin de ano|new year'?s eve)\b": (31, 12),
    r"\b(?:ano nuevo|new year'?s day)\b": (1, 1),
    r"\b(?:san valentin|dia de los enamorados|valentine'?s(?: day)?)\b": (14, 2),
}


def _month_day(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _next_day_of_month(today: datetime.date, day: int) -> datetime.date | None:
    year, month = today.year, today.month
    for _ in range(14):
        candidate = _month_day(year, month, day)
        if candidate and candidate >= today:
            return candidate
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return None


def _with_month(
    today: datetime.date, day: int, month: int, year: str | None
) -> datetime.date | None:
    if year:
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        return _month_day(full_year, month, day)
    candidate = _month_day(today.year, month, day)
    if candidate and candidate < today:
        candidate = _month_day(today.year + 1, month, day)
    return candidate


def dates_stated(text: str, today: datetime.date, taken) -> list[tuple[int, int, datetime.date]]:
    """Every date stated, as (start, end, date), in the order written."""
    found: list[tuple[int, int, datetime.date]] = []

    impossible: list[tuple[int, int]] = []  # "el 31 de febrero": no date, and not "el 31" either

    def add(span, value):
        if overlaps(span, taken) or overlaps(span, impossible + [f[:2] for f in found]):
            return
        if value is None:
            impossible.append(span)
        else:
            found.append((span[0], span[1], value))

    for match in _DAY_MONTH.finditer(text):
        add(
            match.span(),
            _with_month(today, int(match.group(1)), MONTHS[match.group(2)], match.group(3)),
        )
    for match in _MONTH_DAY.finditer(text):
        add(
            match.span(),
            _with_month(today, int(match.group(2)), MONTHS[match.group(1)], match.group(3)),
        )
    for match in _NUMERIC.finditer(text):
        first, second = int(match.group(1)), int(match.group(2))
        day, month = (second, first) if second > 12 and first <= 12 else (first, second)
        if 1 <= month <= 12:
            add(match.span(), _with_month(today, day, month, match.group(3)))
    for match in _DAY_ALONE.finditer(text):
        group = 1 if match.group(1) else 2
        day = int(match.group(group))
        if 1 <= day <= 31:
            add(match.span(group), _next_day_of_month(today, day))
    recurring = [match.span() for match in _RECURRING.finditer(text)]
    for match in _WEEKDAY_MENTION.finditer(text):
        if overlaps(match.span("day"), recurring):
            continue
        ahead = (WEEKDAYS[match.group("day")] - today.weekday() - 1) % 7 + 1
        if match.group("other"):
            ahead += 7
        # "este viernes 27", "Tuesday the 24th": the day of the month says which one.
        if any(
            start >= match.end()
            and re.fullmatch(r"[\s,]*(?:the|el|dia)?\s*", text[match.end() : start])
            for start, _, _ in found
        ):
            continue
        add(match.span(), today + datetime.timedelta(days=ahead))
    for pattern, (day, month) in HOLIDAYS.items():
        for match in re.finditer(pattern, text):
            add(match.span(), _with_month(today, day, month, None))
    for match in re.finditer(r"\b(?:dentro de|en|in)\s+(\d{1,2})\s+(?:dias|days)\b", text):
        add(match.span(), today + datetime.timedelta(days=int(match.group(1))))
    for pattern, days in _RELATIVE:
        for match in pattern.finditer(text):
            add(match.span(), today + datetime.timedelta(days=days))
    if not found:
        match = _TONIGHT_FALLBACK.search(text)
        if match:
            found.append((match.start(), match.end(), today))
    return sorted(found)
