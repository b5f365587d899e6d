"""How many people a message says will come."""

import re

from assistant.understanding.text import overlaps

PEOPLE = (
    r"(?:personas?|pers\b|pax|people|persons?|guests?|comensales|adult[oa]s?|adults?|ppl|"
    r"invitad[oa]s|amig[oa]s|friends|diners|of us)"
)
CHILDREN = r"(?:nin[oa]s?|kids?|children|child|menores|bebes?|babies|baby|nenes?|chicos)"
_PARTY_SUM = re.compile(
    r"\b(\d{1,3})\s*(?:adult[oa]s?|adults?|grandes|mayores|personas?|people|pax)\s*(?:,|y|and|\+|mas|&)\s*(\d{1,3})\s*"
    + CHILDREN
)
_PARTY_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*" + PEOPLE + r"\b"),
    re.compile(
        r"\b(?:mesa|table|reserva|booking|reservation) (?:de|of) (\d{1,3})\b(?!\s*(?::|hs\b|h\b|am\b|pm\b))"
    ),
    re.compile(
        r"\b(?:somos|seremos|seriamos|vamos a ser|vamos|estamos|ser|we are|we're|we will be|we'll be|"
        r"party of|grupo de|group of)\s+(?:como |unos |unas |about |around )?(\d{1,3})\b(?!\s*(?::|hs\b|h\b|am\b|pm\b|min))"
    ),
    re.compile(
        r"\b(?:para|for)\s+(?:unos |unas |about |around )?(\d{1,3})\b"
        r"(?!\s*(?::|\.\d|hs\b|h\b|hrs\b|am\b|pm\b|de la\b|en la\b|por la\b|y media|y cuarto|o'?clock|"
        r"horas\b|de (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|"
        r"octubre|noviembre|diciembre)|st\b|nd\b|rd\b|th\b|/))"
    ),
]
_PARTNER = (
    r"(?:esposa|esposo|novia|novio|pareja|marido|mujer|senora|senor|amigo|amiga|mama|papa|madre|"
    r"padre|hijo|hija|hermano|hermana|jefe|jefa|socio|socia|prometida|prometido|wife|husband|"
    r"partner|girlfriend|boyfriend|friend|mom|mum|dad|mother|father|son|daughter|brother|sister|"
    r"boss|date|fiancee?)"
)
_COUPLE = re.compile(
    r"\b(?:mi " + _PARTNER + r" y yo|yo y mi " + _PARTNER + r"|my " + _PARTNER + r" and (?:i|me)|"
    r"me and my " + _PARTNER + r"|i and my " + _PARTNER + r")\b"
)
_ME_AND = re.compile(
    r"\b(?:para mi|yo|me|myself|i)\s+(?:y|and|\+|with)\s+(?:mis |my |otr[oa]s |other )?(\d{1,3})\b"
)
_ALONE = re.compile(r"\b(?:solo yo|yo solo|yo sola|just me|only me|para mi sol[oa]|just myself)\b")


def party_sizes(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Every party size stated, as (start, end, size), in the order written."""
    found = []
    for match in _PARTY_SUM.finditer(text):
        found.append((match.start(), match.end(), int(match.group(1)) + int(match.group(2))))
    for match in _ME_AND.finditer(text):
        # "mis 3 amigos": the friends are counted here, with the customer, and only here.
        end = re.match(r"\s*\w*", text[match.end() :]).end() + match.end()
        found.append((match.start(), end, int(match.group(1)) + 1))
    for pattern in _PARTY_PATTERNS:
        for match in pattern.finditer(text):
            if overlaps(match.span(1), taken) or overlaps(match.span(1), [f[:2] for f in found]):
                continue
            found.append((match.start(1), match.end(1), int(match.group(1))))
    for match in _COUPLE.finditer(text):
        found.append((match.start(), match.end(), 2))
    for match in _ALONE.finditer(text):
        found.append((match.start(), match.end(), 1))
    return sorted(found)
