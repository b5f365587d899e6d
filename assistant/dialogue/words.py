"""Short answers a customer gives in a chat: yes or no, a choice from a numbered list, a
greeting, thanks, a bare hour, a bare number or a bare name; booking references typed, hours
said without am or pm, and the part of the day a customer names."""

from __future__ import annotations

import re

from assistant.understanding.text import normalise

_YES = re.compile(
    r"^(?:si+|sip|sii+|claro|dale|ok[a-z]*|okey|va|vale|ya|listo|perfecto|correcto|confirm\w*|"
    r"de una|por supuesto|exacto|eso|asi es|yes|yeah|yep|yup|sure|of course|please do|"
    r"sounds good|go ahead|do it|correct|right|great|perfect)\b"
)
_NO = re.compile(
    r"^(?:no+|nop|nope|nah|mejor no|no gracias|todavia no|aun no|not now|no thanks|"
    r"don'?t|dont|cancel that|olvida\w*|forget it)\b"
)
_GREETING = re.compile(
    r"^(?:hola+|holi|buen[oa]s?(?: dias| tardes| noches)?|wena+s?|que tal|saludos|alo|hello|"
    r"hi+|hey|good (?:morning|afternoon|evening))\b"
)
_THANKS = re.compile(r"\b(?:gracias|muchas gracias|mil gracias|thanks|thank you|thx|ty)\b")
_ORDINALS = {
    "primer": 1, "primera": 1, "primero": 1, "first": 1, "1st": 1,
    "segunda": 2, "segundo": 2, "second": 2, "2nd": 2,
    "tercera": 3, "tercer": 3, "tercero": 3, "third": 3, "3rd": 3,
    "cuarta": 4, "cuarto": 4, "fourth": 4, "4th": 4,
    "quinta": 5, "quinto": 5, "fifth": 5, "5th": 5,
    "ultima": -1, "ultimo": -1, "last": -1,
}  # fmt: skip
_CHOICE = re.compile(
    r"^(?:(?:la|el|opcion|option|number|numero|n(?:ro|o)?\.?|the|#)\s*)*(\d{1,2})"
    r"(?:\s*(?:st|nd|rd|th|one|\.|porfa\w*|please|pls))*$"
)
_HOUR = re.compile(r"^(?:a las |at |tipo |como a las |a eso de las )?(\d{1,2})(?:[:.h](\d{2}))?$")
# "a las 8 y media", "at 9", "20:30": an hour said as one, with or without am or pm; not "las
# 2 personas".
_CLOCK = re.compile(
    r"(?:\b(?:a las?|las|at|tipo|a eso de las|como a las|para las|hacia las|around|by)\s+"
    r"(\d{1,2})(?:\s*[:.h]\s*([0-5]\d)|\s+y (media|cuarto)|\s+(menos cuarto)|\s+([0-5]\d))?|"
    r"\b(\d{1,2})\s*[:.h]\s*([0-5]\d))\b(?!\s*(?:personas?|people|pax|persons|adult|guests))"
)
# What follows these is the value being replaced: "a las 8 en lugar de a las 9".
_REPLACED = re.compile(r"\b(?:instead of|rather than|en vez de|en lugar de|y no|and not)\b")
# The part of the day a customer names, by the hours (24 h) it holds; a greeting ("buenas
# noches", "good evening") names none.
_PARTS = {
    "night": re.compile(
        r"\b(?:(?:en|por|a|de|para) la noche|de noche|esta noche|(?:hoy|manana|lunes|martes|"
        r"miercoles|jueves|viernes|sabado|domingo) (?:en la |por la |a la )?noche|(?:para |a )?"
        r"cenar|(?:para |a )?(?:la )?cena|tonight|tonite|(?:in|this|for the) evening|at night|"
        r"(?:for )?dinner|supper)\b"
    ),
    "noon": re.compile(
        r"\b(?:al? mediodia|(?:para|a) (?:la )?(?:comida|almuerzo)|(?:para |a )?almorzar|"
        r"almuerzo|(?:para|a) comer|(?:for |at )?lunch(?:time)?|midday)\b"
    ),
    "afternoon": re.compile(
        r"\b(?:(?:en|por|a|de|para|esta) la tarde|de tarde|(?:this|in the) afternoon)\b"
    ),
    "morning": re.compile(
        r"\b(?:(?:en|por|a|de|para) la manana|this morning|in the morning|(?:for )?breakfast|"
        r"desayun\w*)\b"
    ),
}
_PART_HOURS = {
    "night": lambda hour: hour >= 17 or hour == 0,
    "noon": lambda hour: 11 <= hour < 17,
    "afternoon": lambda hour: 12 <= hour < 21,
    "morning": lambda hour: 5 <= hour < 12,
}
_NUMBER = re.compile(r"^(?:somos |seremos |para |pa'? |we are |we're |for )?(\d{1,3})\b")
_WORD_NUMBERS = {
    "uno": 1, "una": 1, "one": 1, "dos": 2, "two": 2, "tres": 3, "three": 3,
    "cuatro": 4, "four": 4, "cinco": 5, "five": 5, "seis": 6, "six": 6, "siete": 7,
    "seven": 7, "ocho": 8, "eight": 8, "nueve": 9, "nine": 9, "diez": 10, "ten": 10,
    "once": 11, "eleven": 11, "doce": 12, "twelve": 12,
}  # fmt: skip
_NAME = re.compile(r"^[^\W\d_][^\W\d_'’.-]*(?:[ '’.-]+[^\W\d_][^\W\d_'’.-]*){0,3}$")
# A booking reference as typed: eight of its letters and digits, letters with a digit among
# them or written in capitals (an all-letter one in lower case, or in a message all in
# capitals, reads as a word); not part of an email address or a link.
_REFERENCE = re.compile(r"(?<![@./])\b[A-HJ-NP-Za-hj-np-z2-9]{8}\b(?!@|\.\w)")
_NOT_NAMES = re.compile(
    r"^(?:si|no|ok|vale|dale|hola|gracias|yes|thanks|hello|hi|menu|carta|horario|hours)$"
)


def _plain(text: str) -> str:
    return re.sub(r"[!¡?¿,;:)(👍🙏😊🙂😀]+", " ", normalise(text)).strip()


def is_yes(text: str) -> bool:
    plain = _plain(text)
    return bool(_YES.match(plain)) or text.strip() in {"👍", "👌", "✅"}


def is_no(text: str) -> bool:
    return bool(_NO.match(_plain(text))) and not is_yes(text)


def is_greeting(text: str) -> bool:
    return bool(_GREETING.match(_plain(text)))


def is_thanks(text: str) -> bool:
    return bool(_THANKS.search(_plain(text)))


def choice_of(text: str, count: int) -> int | None:
    """The index (from 0) of the option picked from a list of ``count``: "la 2", "2",
    "the second one", "la última"; None when the message picks none."""
    plain = _plain(text)
    match = _CHOICE.match(plain)
    if match:
        number = int(match.group(1))
        return number - 1 if 1 <= number <= count else None
    for word in plain.split():
        if word in _ORDINALS:
            number = _ORDINALS[word]
            index = count - 1 if number == -1 else number - 1
            return index if 0 <= index < count else None
    return None


def bare_hour(text: str) -> tuple[int, int] | None:
    """An hour given alone ("9", "a las 9", "9:30"), which the day's hours may settle."""
    match = _HOUR.match(_plain(text))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return (hour, minute) if hour < 24 and minute < 60 else None


def bare_number(text: str) -> int | None:
    """A number given alone, as the answer to "how many people?"."""
    plain = _plain(text)
    match = _NUMBER.match(plain)
    if match and len(plain.split()) <= 4:
        return int(match.group(1))
    words = plain.split()
    if 1 <= len(words) <= 3 and words[-1] in _WORD_NUMBERS:
        return _WORD_NUMBERS[words[-1]]
    if len(words) <= 3 and words and words[0] in _WORD_NUMBERS:
        return _WORD_NUMBERS[words[0]]
    return None


def bare_name(text: str) -> str | None:
    """A name given alone, as the answer to "under what name?"."""
    stripped = re.sub(r"[!.,;:👍🙂😊]+$", "", text.strip())
    if not _NAME.match(stripped) or _NOT_NAMES.match(normalise(stripped)):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in stripped.split())


def references_typed(text: str) -> list[str]:
    """What in the message looks like a booking reference, in capitals ("2MT9GF97")."""
    shouting = text.upper() == text
    return [
        token.upper()
        for token in _REFERENCE.findall(text)
        if not token.isdigit()
        and (any(char.isdigit() for char in token) or (token.isupper() and not shouting))
    ]


def clock_hours(text: str) -> list[tuple[int, int]]:
    """The hours the message says as hours ("a las 8 y media" is (8, 30) whether morning or
    night), in order, without those it replaces ("… en lugar de a las 9")."""
    plain = normalise(text)
    replaced = _REPLACED.search(plain)
    if replaced:
        plain = plain[: replaced.start()]
    found = []
    for match in _CLOCK.finditer(plain):
        hour = int(match.group(1) or match.group(6))
        minute = int(match.group(2) or match.group(5) or match.group(7) or 0)
        fraction = match.group(3) or match.group(4)
        if fraction == "media":
            minute = 30
        elif fraction == "cuarto":
            minute = 15
        elif fraction == "menos cuarto":
            hour, minute = hour - 1, 45
        if 0 <= hour < 24 and (hour, minute) not in found:
            found.append((hour, minute))
    return found


def part_of_day(text: str) -> str | None:
    """The part of the day the message names first: night, noon, afternoon or morning."""
    plain = _plain(text)
    found = [
        (match.start(), part) for part, rule in _PARTS.items() if (match := rule.search(plain))
    ]
    return min(found)[1] if found else None


def in_part(part: str, hour: int) -> bool:
    """Whether an hour (24 h) belongs to the part of the day."""
    return _PART_HOURS[part](hour)
