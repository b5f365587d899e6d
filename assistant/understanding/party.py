"""How many people a message says will come."""

import re

from assistant.understanding.text import overlaps

PEOPLE = (
    r"(?:personas?|personitas|pers\b|pax|people|persons?|guests?|comensales|adult[oa]s?|adults?|ppl|"
    r"invitad[oa]s|amig[oa]s|friends|diners|"
    # "one of us is vegan" says who, not how many.
    r"of us(?! (?:is|are|has|have|will|can|cannot|can't|won't|needs?|wants?|was|were|uses?)\b))"
)
CHILDREN = (
    r"(?:nin[oa]s?|kids?|children|child|menores|bebes?|babies|baby|infants?|toddlers?|nenes?|"
    r"nenas?|chicos|guaguas?|criaturas?|hij[oa]s|sons|daughters)"
)
_PARTY_SUM = re.compile(
    r"\b(\d{1,3})\s*(?:adult[oa]s?|adults?|grandes|mayores|personas?|people|pax)\s*(?:,|y|and|\+|mas|&)\s*(\d{1,3})\s*"
    + CHILDREN
)
# "somos 3 y un bebé", "2 adults + baby", "4+1", "1 niño de 5 años y un bebé": more on top.
_CHILDREN_AFTER = re.compile(
    r"(?:\s*" + PEOPLE + r")?(?:\s*de \d{1,2} anos)?\s*(?:(?:,|y|and|\+|mas|plus|&)\s*)?"
    r"(?:(?:our|my|mis|nuestr[oa]s|l[oa]s)\s+)?(?:(\d{1,2})\s*" + CHILDREN + r"\b|"
    r"(?:un |una |a |an )?(?:bebe|baby|infant|guagua|nene|nena|toddler)\b)"
)
_PLUS = re.compile(r"\s*\+\s*(\d{1,2})\b(?!\s*(?::|\.\d|h\b|hs\b|am\b|pm\b|\w))")


def _on_top(text: str, end: int) -> int:
    """The children (or "+ N") said right after a party, however many are listed."""
    added = 0
    while True:
        more = _CHILDREN_AFTER.match(text, end) or _PLUS.match(text, end)
        if not more:
            return added
        added += int(more.group(1)) if more.group(1) else 1
        end = more.end()


_PARTY_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*" + PEOPLE + r"\b"),
    re.compile(
        r"\b(?:mesa|table|reserva|booking|reservation) (?:de|of) (\d{1,3})\b(?!\s*(?::|hs\b|h\b|am\b|pm\b))"
    ),
    re.compile(
        r"\b(?:somos|seremos|seriamos|seran|vamos a ser|vamos|estamos|ser|nosotros|nosotras|we are|"
        r"we're|we will be|we'll be|party of|grupo de|group of|familia de|family of)\s+(?:como |unos |unas |about |around )?(\d{1,3})\b(?!\s*(?::|hs\b|h\b|am\b|pm\b|min))"
    ),
    re.compile(
        r"\b(?:para|for)\s+(?:unos |unas |about |around )?(\d{1,3})\b"
        r"(?!\s*(?::|\.\d|hs\b|h\b|hrs\b|am\b|pm\b|de la\b|en la\b|por la\b|y media|y cuarto|o'?clock|"
        r"horas\b|de (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|"
        r"octubre|noviembre|diciembre)|st\b|nd\b|rd\b|th\b|/))"
    ),
]
# "7 u 8 personas", "entre 6 y 8", "somos 5-6": the party is not known yet.
_RANGE = re.compile(
    r"\bentre (\d{1,3}) y (\d{1,3})\b|\bbetween (\d{1,3}) and (\d{1,3})\b|"
    r"(?<!\bde )(?<!\bfrom )(?<!\bof )\b(\d{1,3})\s*(?:-|o|u|or|a|to)\s*(\d{1,3})\s*"
    + PEOPLE
    + r"\b|"
    r"\b(?:somos|seremos|seriamos|vamos a ser|vamos|para|we are|we're|we'll be|we will be|party of|"
    r"table for|unos|unas|como|about|around)\s+(?:unos |unas |como |about |around )?"
    r"(\d{1,3})\s*(?:-|o|u|or)\s*(\d{1,3})\b(?!\s*(?::|\.\d|hs\b|h\b|am\b|pm\b|de la\b|/|-))"
)
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
# "mi esposo, mis dos hijos y yo", "me, my wife and our 2 kids": everyone listed, the customer too.
_SELF = r"(?:yo|me|myself|i)"
_RELATIVE_ONE = r"(?:mi|my|our|nuestr[oa]) " + _PARTNER
_RELATIVES_TWO = (
    r"(?:mis|my|our|nuestros) (?:padres|parents|abuelos|grandparents|suegros|in-laws|papas|viejos)"
)
_RELATIVES_MANY = r"(?:(?:mis|my|our|nuestr[oa]s|l[oa]s)\s+)?(?P<count>\d{1,2})\s+[a-z]+"
_MEMBER = "(?:" + "|".join((_SELF, _RELATIVE_ONE, _RELATIVES_TWO, _RELATIVES_MANY)) + ")"
_SEPARATOR = r"\s*(?:,|\by\b|\band\b|\+|&)\s*"
_MEMBER_ANY = _MEMBER.replace("?P<count>", "")
_LISTED = re.compile(r"\b" + _MEMBER_ANY + "(?:" + _SEPARATOR + _MEMBER_ANY + r")+\b")
# "voy con 3 amigos", "I'd like to come with 3 friends": the friends and the customer.
_COMING_WITH = re.compile(
    r"\b(?:voy|vengo|ire|vendre|iria|quiero ir|i'?m coming|i'?ll come|i'?ll be coming|i will come|"
    r"i'?d like to come|i want to come|coming)\b.{0,15}\b(?:con|with) (?:mis |my )?(\d{1,2}) "
    + r"(?:amig[oa]s|friends|companer[oa]s|colleagues|colegas|invitad[oa]s|guests|people|personas)\b"
)
_ALONE = re.compile(r"\b(?:solo yo|yo solo|yo sola|just me|only me|para mi sol[oa]|just myself)\b")


def party_sizes(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, int | None]]:
    """Every party size stated, as (start, end, size), in the order written; None for a range."""
    found: list[tuple[int, int, int | None]] = []
    for match in _RANGE.finditer(text):
        if overlaps(match.span(), taken):
            continue
        numbers = [int(number) for number in match.groups() if number]
        if numbers[0] < numbers[1]:
            found.append((match.start(), match.end(), None))
    for match in _PARTY_SUM.finditer(text):
        if overlaps(match.span(), [f[:2] for f in found]):
            continue
        size = int(match.group(1)) + int(match.group(2)) + _on_top(text, match.end())
        found.append((match.start(), match.end(), size))
    for match in _ME_AND.finditer(text):
        # "mis 3 amigos": the friends are counted here, with the customer, and only here.
        end = re.match(r"\s*\w*", text[match.end() :]).end() + match.end()
        found.append((match.start(), end, int(match.group(1)) + 1))
    for match in _LISTED.finditer(text):
        if not re.search(r"\b" + _SELF + r"\b", match.group(0)) or overlaps(
            match.span(), taken + [f[:2] for f in found]
        ):
            continue
        size = 0
        for member in re.finditer(_MEMBER, match.group(0)):
            if member.group("count"):
                size += int(member.group("count"))
            elif re.fullmatch(_RELATIVES_TWO, member.group(0)):
                size += 2
            else:
                size += 1
        found.append((match.start(), match.end(), size))
    for match in _COMING_WITH.finditer(text):
        if not overlaps(match.span(1), [f[:2] for f in found]):
            found.append((match.start(1), match.end(1), int(match.group(1)) + 1))
    for pattern in _PARTY_PATTERNS:
        for match in pattern.finditer(text):
            if overlaps(match.span(1), taken) or overlaps(match.span(1), [f[:2] for f in found]):
                continue
            found.append(
                (match.start(1), match.end(1), int(match.group(1)) + _on_top(text, match.end()))
            )
    for match in _COUPLE.finditer(text):
        if overlaps(match.span(), [f[:2] for f in found]):
            continue
        found.append((match.start(), match.end(), 2 + _on_top(text, match.end())))
    for match in _ALONE.finditer(text):
        found.append((match.start(), match.end(), 1))
    return sorted(found)
