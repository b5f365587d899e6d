"""The customer's name, only when they state it, and the area of the room they ask for."""

import re

from assistant.understanding.text import words

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’-]*"
_STRONG_CUE = re.compile(
    r"(?:me llamo|mi nombre es|a nombre de|al nombre de|bajo el nombre de|nombre\s*:|"
    r"my name is|(?:my )?name'?s|(?:my )?name’s|under the name(?: of)?|name\s*:|name is)\s*:?\s*(?=\S)",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(
    r"(?:^|(?<=[\s,.!¡¿?]))(?:soy|i'm|i’m|i am|this is|habla|le habla|te habla|le escribe|"
    r"te escribe|de parte de|under|booking under|reservation under|it's|its)\s+(?=[A-ZÀ-Ö])",
    re.IGNORECASE,
)
_CONNECTORS = frozenset({"de", "del", "la", "los", "las", "van", "von", "da", "di", "y"})
_NOT_NAMES = words(
    "para por y and for the a el la en de con mañana hoy tonight tomorrow today quiero i "
    "we una un mesa table reserva reservar booking looking trying wondering sorry here not "
    "going interested so very just available coming celiac celíaco celiaco vegan "
    "vegetarian vegano allergic alérgico alérgica alergico new nuevo nueva cliente "
    "customer from de del ok okay please porfa thanks gracias hello hola necesito quisiera "
    "queria reservo e necesitamos queremos tengo tenemos somos mi my su otra otro alguien "
    "someone another quien who"
)


def name_stated(original: str) -> str | None:
    """The name after "soy", "a nombre de", "my name is", "under"…, as written."""
    for cue, strong in ((_STRONG_CUE, True), (_WEAK_CUE, False)):
        for match in cue.finditer(original):
            words = re.findall(_NAME_WORD + r"|[^\w\s'’-]|\s+", original[match.end() :])
            taken: list[str] = []
            for word in words:
                if word.isspace():
                    continue
                if not re.fullmatch(_NAME_WORD, word) or word.lower() in _NOT_NAMES - (
                    _CONNECTORS if taken else set()
                ):
                    break
                capital = word[0].isupper()
                if not capital and word.lower() in _CONNECTORS and taken:
                    taken.append(word)
                    continue
                if not capital and not strong:
                    break
                taken.append(word)
                if len(taken) >= 4 or (not capital and len(taken) >= 2):
                    break
            while taken and taken[-1].lower() in _CONNECTORS:
                taken.pop()
            if taken:
                return " ".join(taken).strip(" '’-")
    return None


AREAS = [
    (
        "terrace",
        r"\b(?:terraza|terrace|patio|afuera|al aire libre|outside|outdoors?|balcon|balcony|rooftop)\b",
    ),
    ("window", r"\b(?:ventana|ventanal|window)\b"),
    ("bar", r"\b(?:barra|bar)\b"),
    ("private", r"\b(?:privad[oa]|reservado|private)\b"),
    ("inside", r"\b(?:adentro|interior|salon|inside|indoors?)\b"),
]


def area_stated(text: str) -> str | None:
    """The part of the room asked for (terrace, window, bar, private, inside)."""
    for area, pattern in AREAS:
        if re.search(pattern, text):
            return area
    return None
