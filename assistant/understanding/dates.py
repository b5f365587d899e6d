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
# Short weekday names: "vie 27", "sat the 28th", "el sáb", "2 ppl 7pm fri".
WEEKDAY_ABBREVIATIONS = {
    **dict.fromkeys(("lun",), 0),
    **dict.fromkeys(("mar",), 1),
    **dict.fromkeys(("mie", "mier"), 2),
    **dict.fromkeys(("jue",), 3),
    **dict.fromkeys(("vie", "vier"), 4),
    **dict.fromkeys(("sab",), 5),
    **dict.fromkeys(("dom",), 6),
    **dict.fromkeys(("mon",), 0),
    **dict.fromkeys(("tue", "tues"), 1),
    **dict.fromkeys(("wed",), 2),
    **dict.fromkeys(("thu", "thur", "thurs"), 3),
    **dict.fromkeys(("fri",), 4),
    **dict.fromkeys(("sat",), 5),
    **dict.fromkeys(("sun",), 6),
}
_WEEKDAY = "(?:" + "|".join(WEEKDAYS) + ")"
_SHORT_WEEKDAY = "(?:" + "|".join(sorted(WEEKDAY_ABBREVIATIONS, key=len, reverse=True)) + ")"
# Ordinal days in words: "the first of December", "December twenty-first", "el primero de enero".
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "primero": 1,
}
_ORDINAL_WORDS.update(
    {
        f"twenty{joint}{word}": 20 + day
        for word, day in list(_ORDINAL_WORDS.items())[:9]
        for joint in (" ", "-")
    }
)
_ORDINAL_WORDS.update({"thirty first": 31, "thirty-first": 31})
_ORDINAL = "(?:" + "|".join(sorted(map(re.escape, _ORDINAL_WORDS), key=len, reverse=True)) + ")"
# "the first one", "the second option", "the 2nd time we come": a pick from a list or a count of
# visits, no day of the month.
_NOT_A_DAY = r"(?!\s+(?:one|ones|option|options|choice|time|times|opcion|vez)\b)"
_ORDINAL_DATE = re.compile(
    r"\b(?:(?:the|el)\s+(?P<day>"
    + _ORDINAL
    + r")\b(?:\s+(?:of|de)\s+(?P<month>"
    + _MONTH
    + r")|"
    + _NOT_A_DAY
    + r")|(?P<month_first>"
    + _MONTH
    + r")\.?\s+(?:the\s+)?(?P<day_after>"
    + _ORDINAL
    + r")\b)"
)
# "1ro", "1er", "1º": the Spanish ordinal marks on the first of the month.
_DAY_SUFFIX = r"(?:st|nd|rd|th|ro|ero|er|o)?"
_RECURRING = re.compile(
    r"\b(?:los|cada|every)\s+(?:" + _WEEKDAY + r")s?\b|\b(?:sabados|domingos|"
    r"mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b"
)
# Short names that are no other word ("vie", "fri") are days alone; "mar", "sat", "sun" and "dom"
# only after "el", "este", "this", "on", before a day of the month or before a meal or part of day.
_PLAIN_SHORT = "(?:lun|mie|mier|jue|vie|vier|sab|mon|tue|tues|wed|thu|thur|thurs|fri)"
_WEEKDAY_MENTION = re.compile(
    r"\b(?P<other>otro )?(?:(?P<day>" + _WEEKDAY + r")\b|"
    r"(?P<plain>" + _PLAIN_SHORT + r")\b\.?|"
    r"(?:(?<=\bel )|(?<=\beste )|(?<=\bthis )|(?<=\bon )|(?<=\bnext ))(?P<short>"
    + _SHORT_WEEKDAY
    + r")\b\.?|"
    r"(?P<short_dated>" + _SHORT_WEEKDAY + r")\b\.?(?=,?\s*(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\b"
    r"(?!\s*(?::|\.\d|hs?\b|am\b|pm\b))|\s+(?:lunch|dinner|brunch|night|evening|morning|"
    r"afternoon|noon|almuerzo|cena|noche|tarde)\b))"
)
# "Friday week", "a week on Friday", "the Friday after next": a week after the coming one.
_WEEK_LATER_AFTER = re.compile(r"\s+(?:week\b(?! (?:from|on|after))|after next\b)")
_WEEK_LATER_BEFORE = re.compile(r"\b(?:a|one|1) week (?:on|from|after)\s+$")
# "el martes de la semana que viene", "Saturday next week": that weekday in the next calendar week.
_NEXT_WEEK = re.compile(
    r"^\s*(?:de (?:la )?(?:semana que viene|proxima semana|otra semana|semana proxima)|next week|of next week)\b"
)
_NEXT_WEEK_BEFORE = re.compile(
    r"\b(?:la semana que viene|la proxima semana|la otra semana|next week)(?: on)?,?\s*(?:el\s+)?$"
)
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})"
    + _DAY_SUFFIX
    + r"\s*(?:de\s+|of\s+|[-/]\s*)?("
    + _MONTH
    + r")\.?(?:\s*(?:de\s+|del\s+|[-/]\s*)?(\d{4}))?"
)
_MONTH_DAY = re.compile(
    r"\b("
    + _MONTH
    + r")\.?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*(?::|hs?\b|am\b|pm\b))(?:,?\s*(\d{4}))?"
)
# "24/12", "24-12-2026", and "28.11" when it cannot be a time of day.
_NUMERIC = re.compile(r"(?<![\d:.])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{2,4}))?(?![\d:]|\.\d)")
_ISO = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b")
# "la 10 de Agosto", "Av. 6 de Diciembre": streets named after a date, never "el 10 de agosto".
_STREET = re.compile(r"\b(?:la|av|avda|avenida|calle|street|st)\.?\s*$")
# "5-6 personas", "seremos 6-8": a range of people, not a day and month.
_HEADCOUNT_AFTER = re.compile(r"\s*(?:" + PEOPLE + "|" + CHILDREN + ")")
_HEADCOUNT_BEFORE = re.compile(
    r"\b(?:somos|seremos|seriamos|vamos a ser|entre|between|we are|we're|we'll be|unas|unos|about|"
    r"around|like|como)\s*$"
)
_TABLE_FOR = re.compile(r"\b(?:de|for|para)\s*$")
_DAY_ALONE = re.compile(
    r"(?:\b(?:el|del|the|on the|dia|el dia|for the|"
    + _WEEKDAY
    + "|"
    + _SHORT_WEEKDAY
    + r")\.?,?\s+(\d{1,2})"
    + _DAY_SUFFIX
    + r"\b|"
    r"\b(\d{1,2})(?:st|nd|rd|th)\b)"
    r"(?!\s*(?::|\.\d|hs\b|h\b|am\b|pm\b|de la\b|" + PEOPLE + "|" + CHILDREN + "))" + _NOT_A_DAY
)
_RELATIVE = [
    (re.compile(r"\b(?:pasado manana|pasao manana|pasadomanana|day after tomorrow)\b"), 2),
    (re.compile(r"\b(?:anteayer|antier|day before yesterday)\b"), -2),
    (
        re.compile(
            r"(?<!la )(?<!esta )\bmanana\b|\b(?:tomorrow|tmrw|tmr|tmw|2moro|2morrow|2mrw)\b"
        ),
        1,
    ),
    (re.compile(r"\b(?:ayer|yesterday|anoche|last night)\b"), -1),
    (
        re.compile(
            r"\b(?:hoy|today|tonight|tonite|2nite|esta noche|esta tarde|esta manana|this evening|"
            r"this afternoon|this morning)\b"
        ),
        0,
    ),
]
# "el viernes pasado", "el pasado viernes", "last Friday": the latest one before today.
_PAST_AFTER = re.compile(r"\s+pasad[oa]\b(?!\s+manana)")
_PAST_BEFORE = re.compile(r"\b(?:el pasado|last|this past)\s+$")
# "el sábado fuimos y nos cobraron de más", "we came on Friday and left a jacket": a day gone by.
_PAST_TENSE = re.compile(
    r"\b(?:fui|fuimos|estuve|estuvimos|vine|vinimos|cene|cenamos|comi|comimos|almorce|almorzamos|"
    r"deje|dejamos|olvide|olvidamos|perdi|perdimos|me cobraron|nos cobraron|nos atendieron|"
    r"me atendieron|tuvimos|tuve|celebramos|pedimos|went|came|visited|ate|dined|had (?:dinner|lunch)|"
    r"left|forgot|lost|were charged|was charged|charged us|charged me|celebrated|we were there|"
    r"i was there)\b"
)
_FUTURE = re.compile(
    r"\b(?:reserv\w*|book\w*|quiero|quisiera|queremos|vamos a|voy a|iremos|will|going to|want|"
    r"would like|para el|for (?:this|next)|next|this|este|proximo|que viene)\b"
)


def _told_as_past(text: str, start: int, end: int) -> bool:
    """Whether the clause around a weekday tells of a visit gone by, not one to come."""
    sentence_start = max(text.rfind(mark, 0, start) for mark in ".!?;,") + 1
    ends = [index for index in (text.find(mark, end) for mark in ".!?;,") if index >= 0]
    sentence = text[sentence_start : min(ends) if ends else len(text)]
    return bool(_PAST_TENSE.search(sentence)) and not _FUTURE.search(sentence)


# "en 3 días", "dentro de una semana", "in two weeks": counted from today.
_IN_DAYS = re.compile(
    r"\b(?:dentro de|en|in)\s+(?P<count>\d{1,2}|una|un|a)\s+(?P<unit>dias|days|semanas?|weeks?)\b"
    r"(?!\s+(?:from|de|desde))"
)
# "hace 2 días", "a week ago": counted back from today.
_AGO = re.compile(
    r"\bhace\s+(?P<count>\d{1,2}|una|un)\s+(?P<unit>dias|semanas?)\b|"
    r"\b(?P<count_en>\d{1,2}|a)\s+(?P<unit_en>days|weeks?)\s+ago\b"
)
_WEEK_FROM = re.compile(
    r"\b(?:a|one|1) week (?:from )?(?P<start>today|tomorrow)\b|"
    r"\bde (?P<start_es>hoy|manana) en (?:8|ocho) dias\b"
)
# "una mesa ahora mismo" is for today; "quiero hablar con alguien ahora mismo" names no day.
_NOW = re.compile(r"\b(?:ahora mismo|ahorita|right now|en este momento|ya mismo)\b")
_BOOKING_WORDS = re.compile(
    r"\b(?:mesas?|lugar|reserv\w*|table|tables|book\w*|room|space|seat\w*|spot|somos|we are|we're|"
    r"para \d+|for \d+|personas|people|pax|disponib\w*|availab\w*|abiert\w*|open)\b"
)
_TONIGHT_FALLBACK = re.compile(
    r"\b(?:en la noche|por la noche|a la noche|en la tarde|a la tarde|in the evening)\b"
)
# (day, month) of the holidays customers name instead of a date.
HOLIDAYS = {
    r"\b(?:nochebuena|noche buena|christmas eve)\b": (24, 12),
    r"\b(?:navidad|christmas(?: day)?|xmas)\b": (25, 12),
    r"\b(?:nochevieja|fin de ano|ano viejo|new year'?s eve|nye)\b": (31, 12),
    r"\b(?:boxing day)\b": (26, 12),
    r"\b(?:dia de (?:los )?inocentes)\b": (28, 12),
    r"\b(?:dia de (?:los )?reyes|reyes magos|epiphany)\b": (6, 1),
    r"\b(?:halloween)\b": (31, 10),
    r"\b(?:dia de (?:los )?(?:difuntos|muertos|fieles difuntos)|all souls'? day)\b": (2, 11),
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


# "Friday the 13th" told of a visit last week is the 13th just past, not next month's 13th.
def _day_on_weekday(today: datetime.date, day: int, weekday: int) -> datetime.date | None:
    """The day of the month on that weekday: the coming one within two months, else the last."""
    for offset in range(0, 62):
        candidate = today + datetime.timedelta(days=offset)
        if candidate.day == day and candidate.weekday() == weekday:
            return candidate
    for offset in range(1, 32):
        candidate = today - datetime.timedelta(days=offset)
        if candidate.day == day and candidate.weekday() == weekday:
            return candidate
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


def dates_stated(
    text: str, today: datetime.date, taken, language: str = "es"
) -> list[tuple[int, int, datetime.date | None]]:
    """Every date stated, as (start, end, date), in the order written; None for "X or Y"."""
    found: list[tuple[int, int, datetime.date]] = []

    impossible: list[tuple[int, int]] = []  # "el 31 de febrero": no date, and not "el 31" either
    day_only: set[tuple[int, int]] = set()  # "el 24", "the 13th": no month stated

    def add(span, value):
        if overlaps(span, taken) or overlaps(span, impossible + [f[:2] for f in found]):
            return
        if value is None:
            impossible.append(span)
        else:
            found.append((span[0], span[1], value))

    for match in _DAY_MONTH.finditer(text):
        if _STREET.search(text[: match.start()]):
            continue
        add(
            match.span(),
            _with_month(today, int(match.group(1)), MONTHS[match.group(2)], match.group(3)),
        )
    for match in _MONTH_DAY.finditer(text):
        add(
            match.span(),
            _with_month(today, int(match.group(2)), MONTHS[match.group(1)], match.group(3)),
        )
    for match in _ORDINAL_DATE.finditer(text):
        day = _ORDINAL_WORDS[match.group("day") or match.group("day_after")]
        month = match.group("month") or match.group("month_first")
        if month:
            add(match.span(), _with_month(today, day, MONTHS[month], None))
        elif match.group(0).startswith("the"):  # "el primero" alone is not a date
            add(match.span(), _next_day_of_month(today, day))
            day_only.add(match.span())
    for match in _ISO.finditer(text):
        add(match.span(), _month_day(int(match.group(1)), int(match.group(2)), int(match.group(3))))
    for match in _NUMERIC.finditer(text):
        if _HEADCOUNT_AFTER.match(text, match.end()) or _HEADCOUNT_BEFORE.search(
            text[: match.start()]
        ):
            continue
        first, second = int(match.group(1)), int(match.group(3))
        # "mesa para 4-5": a headcount; "para 24/12" and "for 12/24" are dates.
        if (
            _TABLE_FOR.search(text[: match.start()])
            and "-" in match.group(0)
            and not match.group(4)
            and 0 < second - first <= 3
        ):
            continue
        day, month = (second, first) if second > 12 and first <= 12 else (first, second)
        if not 1 <= month <= 12:
            continue
        value = _with_month(today, day, month, match.group(4))
        # "12/5" in English is the 5th of December or the 12th of May, as the writer is from the
        # United States or Britain: the sooner of the two is the one meant.
        if language == "en" and first <= 12 and second <= 12 and first != second:
            other = _with_month(today, second, first, match.group(4))
            if value and other and other < value:
                value = other
        add(match.span(), value)
    for match in _DAY_ALONE.finditer(text):
        group = 1 if match.group(1) else 2
        day = int(match.group(group))
        if 1 <= day <= 31:
            add(match.span(group), _next_day_of_month(today, day))
            day_only.add(match.span(group))
    recurring = [match.span() for match in _RECURRING.finditer(text)]
    for match in _WEEKDAY_MENTION.finditer(text):
        name = next(
            match.group(group)
            for group in ("day", "plain", "short", "short_dated")
            if match.group(group)
        )
        if overlaps(match.span(), recurring):
            continue
        weekday = WEEKDAYS.get(name, WEEKDAY_ABBREVIATIONS.get(name))
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        if (
            match.group("other")
            or _WEEK_LATER_AFTER.match(text, match.end())
            or _WEEK_LATER_BEFORE.search(text[: match.start()])
        ):
            ahead += 7
        if _NEXT_WEEK.search(text[match.end() :]) or _NEXT_WEEK_BEFORE.search(
            text[: match.start()]
        ):
            ahead = 7 - today.weekday() + weekday
        if (
            _PAST_AFTER.match(text, match.end())
            or _PAST_BEFORE.search(text[: match.start()])
            or (not match.group("other") and _told_as_past(text, match.start(), match.end()))
        ):
            ahead = -((today.weekday() - weekday - 1) % 7 + 1)
        # "este viernes 27", "Tuesday the 24th": the day of the month says which one.
        dated = [
            index
            for index, (start, _, _) in enumerate(found)
            if start >= match.end()
            and re.fullmatch(r"[\s,.]*(?:the|el|dia)?\s*", text[match.end() : start])
        ]
        if dated:
            start, end, value = found[dated[0]]
            if (start, end) in day_only:
                found[dated[0]] = (start, end, _day_on_weekday(today, value.day, weekday) or value)
            continue
        add(match.span(), today + datetime.timedelta(days=ahead))
    for pattern, (day, month) in HOLIDAYS.items():
        for match in re.finditer(pattern, text):
            add(match.span(), _with_month(today, day, month, None))
    for match in _IN_DAYS.finditer(text):
        count = 1 if match.group("count") in ("a", "una", "un") else int(match.group("count"))
        days = count * (7 if match.group("unit").startswith(("semana", "week")) else 1)
        add(match.span(), today + datetime.timedelta(days=days))
    for match in _AGO.finditer(text):
        said = match.group("count") or match.group("count_en")
        unit = match.group("unit") or match.group("unit_en")
        count = 1 if said in ("a", "una", "un") else int(said)
        days = count * (7 if unit.startswith(("semana", "week")) else 1)
        add(match.span(), today - datetime.timedelta(days=days))
    for match in _WEEK_FROM.finditer(text):
        start = (
            1 if (match.group("start") or match.group("start_es")) in ("manana", "tomorrow") else 0
        )
        add(match.span(), today + datetime.timedelta(days=7 + start))
    for pattern, days in _RELATIVE:
        for match in pattern.finditer(text):
            add(match.span(), today + datetime.timedelta(days=days))
    if _BOOKING_WORDS.search(text):
        for match in _NOW.finditer(text):
            add(match.span(), today)
    if not found and not recurring:
        match = _TONIGHT_FALLBACK.search(text)
        if match:
            found.append((match.start(), match.end(), today))
    return _alternatives_unknown(text, _corrections_dropped(text, sorted(found)))


# "hoy no, mañana", "not tonight, tomorrow", "no el sábado sino el domingo": the date said no to.
_SAID_NO_AFTER = re.compile(r"\s*,?\s*no\s*(?:[,.;!]|$|mejor\b|sino\b|pero\b)")
_SAID_NO_BEFORE = re.compile(r"\b(?:no|not)\s+(?:para\s+|for\s+)?(?:el\s+|la\s+|on\s+|the\s+)?$")
# "el viernes o el sábado", "hoy o mañana", "el 24 o 25": the customer has not chosen yet.
_EITHER = re.compile(r"\s*,?\s*(?:o|u|or)\s+(?:el\s+|la\s+|on\s+|the\s+)?$")
_DAY_OR = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:o|u|or)\s+(?:el\s+|the\s+)?$")
_OR_DAY = re.compile(
    r"\s+(?:o|u|or)\s+(?:el\s+|the\s+)?\d{1,2}(?:st|nd|rd|th)?\b(?!\s*(?::|h|am|pm))"
)


def _corrections_dropped(text: str, found):
    """The dates stated, less one the customer said no to when they state another."""
    if len(found) < 2:
        return found
    kept = [
        item
        for item in found
        if not (_SAID_NO_AFTER.match(text, item[1]) or _SAID_NO_BEFORE.search(text[: item[0]]))
    ]
    return kept or found


def _alternatives_unknown(text: str, found):
    """The dates stated, with two offered as alternatives merged into one unknown date."""
    merged: list[tuple[int, int, datetime.date | None]] = []
    for start, end, value in found:
        if merged and _EITHER.fullmatch(text[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end, None)
        elif _DAY_OR.search(text[:start]) or _OR_DAY.match(text, end):
            merged.append((start, end, None))
        else:
            merged.append((start, end, value))
    return merged
