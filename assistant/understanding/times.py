"""The time of day a message states, in 24 hours, or None when the hour is ambiguous."""

import datetime
import re

from assistant.understanding.party import CHILDREN, PEOPLE

TIME = re.compile(
    r"(?<![\d/:.])(?P<hour>\d{1,2})(?!\d)"
    r"(?:\s*(?P<sep>[:.h])\s*(?P<minute>[0-5]\d))?"
    r"(?:\s+(?P<fraction>y media|y cuarto|menos cuarto|y (?P<plus>[0-5]?\d)(?!\s*(?:\d|"
    + PEOPLE
    + "|"
    + CHILDREN
    + r"))))?"
    r"(?:\s*(?P<suffix>hs\b|hrs\b|h\b|horas\b|hr\b|am\b|pm\b|de la manana|de la tarde|de la noche|"
    r"de la madrugada|del mediodia|a la noche|a la tarde|en la noche|en la tarde|en la manana|por la noche|por la tarde|"
    r"por la manana|in the morning|in the afternoon|in the evening|at night|o'?clock\b))?"
    r"(?:\s+(?P<daypart>de la manana|de la tarde|de la noche|de la madrugada))?"
)
_TIME_CONTEXT = re.compile(
    r"(?:\ba las|\ba la|\blas|\bat|\baround|\btipo|\bhacia las|\bdesde las|\b@|\bby|\bfrom|\btill|\buntil)\s*$"
)
NOON = re.compile(r"\b(?:al |a |at |around )?(?:mediodia|noon|midday)\b")
MIDNIGHT = re.compile(r"\b(?:a la |at )?(?:medianoche|media noche|midnight)\b")


def resolve_time(match: re.Match, text: str) -> tuple[bool, datetime.time | None]:
    """(is this a time at all, the time or None when ambiguous)."""
    hour = int(match.group("hour"))
    raw_hour = match.group("hour")
    minute = int(match.group("minute") or 0)
    fraction = match.group("fraction")
    suffix = (match.group("suffix") or "").strip()
    daypart = match.group("daypart") or ""
    before = text[: match.start()]
    in_context = bool(_TIME_CONTEXT.search(before))
    if not (match.group("minute") or fraction or suffix or daypart or in_context):
        return False, None
    if suffix == "horas" and not in_context and not 13 <= hour <= 23:
        return False, None  # "2 horas" is a duration unless it follows "a las"; "21 horas" is not
    if fraction == "y media":
        minute = 30
    elif fraction == "y cuarto":
        minute = 15
    elif fraction == "menos cuarto":
        hour, minute = hour - 1, 45
    elif fraction:
        minute = int(match.group("plus"))
    if hour > 23 or minute > 59:
        return False, None
    part = suffix if suffix not in ("o'clock", "oclock") else ""
    part = daypart or part
    if part in ("am", "de la madrugada"):
        hour = 0 if hour == 12 else hour
    elif part in ("de la manana", "en la manana", "por la manana", "in the morning"):
        pass  # "las 12 de la mañana" is said of noon, never of midnight
    elif part in (
        "pm",
        "de la tarde",
        "a la tarde",
        "en la tarde",
        "por la tarde",
        "in the afternoon",
    ):
        hour = hour + 12 if hour < 12 else hour
    elif part in (
        "de la noche",
        "a la noche",
        "en la noche",
        "por la noche",
        "in the evening",
        "at night",
    ):
        if hour == 12:
            hour = 0
        elif 6 <= hour < 12:
            hour += 12
    elif part == "del mediodia":
        hour = hour + 12 if hour < 6 else hour
    elif part in ("h", "hs", "hrs", "hr", "horas") or match.group("sep") == "h":
        pass
    elif 1 <= hour <= 11 and not raw_hour.startswith("0"):
        return True, None
    if hour > 23:
        return False, None
    return True, datetime.time(hour, minute)
