"""Text helpers: word lists, folding a message to plain lowercase words, its language."""

import functools
import re
import unicodedata


def words(text: str) -> frozenset[str]:
    """Whitespace-separated words as a set."""
    return frozenset(text.split())


def words_list(text: str) -> list[str]:
    """Whitespace-separated words, in order."""
    return text.split()


def overlaps(span: tuple[int, int], spans) -> bool:
    """Whether a (start, end) span overlaps any of the spans."""
    return any(span[0] < end and start < span[1] for start, end in spans)


_SPANISH_NUMBERS = words_list(
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
    "dieciseis diecisiete dieciocho diecinueve veinte veintiuno veintidos veintitres "
    "veinticuatro veinticinco veintiseis veintisiete veintiocho veintinueve treinta"
)
_ENGLISH_NUMBERS = words_list(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
NUMBER_WORDS = {
    **dict(zip(_SPANISH_NUMBERS, range(31), strict=True)),
    **dict(zip(_ENGLISH_NUMBERS, range(21), strict=True)),
    **{
        f"twenty{joint}{unit}": 20 + value
        for value, unit in enumerate(_ENGLISH_NUMBERS[1:10], start=1)
        for joint in (" ", "-")
    },
    "thirty": 30,
    "veintiuna": 21,
    "a couple of": 2,
    "a couple": 2,
    "un par de": 2,
}
# "twenty-first" stays a word: it is a day of the month, read with the dates.
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + r")\b"
    r"(?![- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b)"
)
# "the one on Saturday", "the first one", "which one", "no one": a pronoun, no number at all.
_PRONOUN_ONE = re.compile(
    r"\b(?:the|this|that|which|another|each|every|any|no|other|same)\s+(?:[\w:]+\s+)?$"
)


def _number(match: re.Match) -> str:
    word = match.group(1)
    if word == "one" and _PRONOUN_ONE.search(match.string, 0, match.start()):
        return word
    return str(NUMBER_WORDS[word])


# Frequent misspellings are folded to the word the rules know (one letter off, long words only).
VOCABULARY = words_list(
    "reservar reserva reservacion cancelar cambiar personas manana miercoles jueves "
    "viernes sabado domingo martes tomorrow tonight reservation booking saturday sunday "
    "friday thursday wednesday tuesday monday people disponibilidad horario mediodia "
    "medianoche cumpleanos quisiera necesito"
)
KNOWN_WORDS = words(
    "manzana reservo reserve reservas persona cancela cambio cambia people's reservado "
    "reservada booked bookings reservations martes partes cortes suertes personal horarios "
    "carta manera mesas meses"
)


def _one_edit_apart(word: str, other: str) -> bool:
    """One letter left out, added, changed, or two neighbours swapped."""
    if word == other or abs(len(word) - len(other)) > 1:
        return False
    if len(word) != len(other):
        short, long = sorted((word, other), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    diffs = [i for i, (mine, theirs) in enumerate(zip(word, other, strict=True)) if mine != theirs]
    if len(diffs) == 1:
        return True
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and word[diffs[0]] == other[diffs[1]]
        and word[diffs[1]] == other[diffs[0]]
    )


def _fix_typo(match: re.Match) -> str:
    word = match.group(0)
    plural = word.endswith("s") and word[:-1] in VOCABULARY  # "los sabados" is no typo
    if len(word) < 5 or word in KNOWN_WORDS or word in VOCABULARY or plural:
        return word
    for known in VOCABULARY:
        if _one_edit_apart(word, known):
            return known
    return word


# The dialogue and the rules read one message many times over; folding its typos is the
# costly part, so each text is folded once.
@functools.lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """Lowercase, no accents, no emoji; "pa'", number words and frequent typos folded."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("’", "'").replace("´", "'")
    text = re.sub(r"\bpa'|\bpa\b", "para", text)
    text = re.sub(r"\b([ap])\.\s?m\.?", r"\1m", text)
    text = re.sub(r"(\d)\s*([ap])m\b", r"\1 \2m", text)
    text = re.sub(r"[^\w\s:/.,'+?!-]", " ", text)
    text = re.sub(r"[a-z]{5,}", _fix_typo, text)
    text = re.sub(r"\b(?:kiero|qiero|qero)\b", "quiero", text)
    text = re.sub(r"\bd la\b", "de la", text)
    text = re.sub(r"\b(?:mnn|mnna|mana|mñn)\b", "manana", text)
    text = re.sub(r"\b(?:a )?las? una\b", "a las 1", text)
    text = re.sub(
        r"\b(un|una|a|an)\s+(adult[oa]?|nin[oa]|bebe|baby|menor|guagua|nene|nena|kid|child|infant|"
        r"toddler|criatura)\b",
        r"1 \2",
        text,
    )
    # "una pareja" is two people; "dos parejas" four. "Mi pareja" is the customer's partner.
    text = re.sub(r"\b(?:una|a) (?:pareja|parejita|couple)\b(?! (?:of|de)\b)", "2 personas", text)
    text = re.sub(
        r"\b(dos|tres|cuatro|two|three|four|\d) (?:parejas|couples)\b",
        lambda match: f"{2 * (NUMBER_WORDS.get(match.group(1)) or int(match.group(1)))} personas",
        text,
    )
    text = re.sub(r"\b(?:para|for) (?:uno|una|one)\b", "para 1", text)
    text = _NUMBER_WORD.sub(_number, text)
    text = re.sub(r"\bhalf past (\d{1,2})\b", r"\1:30", text)
    text = re.sub(r"\bquarter past (\d{1,2})\b", r"\1:15", text)
    text = re.sub(
        r"\bquarter to (\d{1,2})\b", lambda match: f"{int(match.group(1)) - 1 or 12}:45", text
    )
    return re.sub(r"\s+", " ", text).strip()


# --- language ---------------------------------------------------------------------------------

SPANISH = words(
    "quiero quisiera para mesa reserva reservar reservacion manana hola somos personas de "
    "la el por favor gracias hay tienen noche tarde hoy las una con que porfa buenas "
    "buenos wena necesito podemos puedo cuanto horario abren soy yo mi nombre cancelar "
    "cambiar nino ninos adultos estamos esta este sabado domingo viernes jueves miercoles "
    "lunes martes y al del tenes queres mediodia pasado otro sera seria puede cuantas hora "
    "horas su sus nos los disponible lugar alguna algun vamos llegar tarde minutos ya no si "
    "es son estan tenemos tengo donde cual cuando como pero tambien muchas gracias vale che "
    "usted ustedes vos"
)
ENGLISH = words(
    "i want table for the to book tonight tomorrow please we are my is do you have what at "
    "and of hi hello thanks thank can could would like reservation people next this how "
    "much open name under today saturday sunday friday thursday wednesday monday tuesday "
    "booking us there any is it our me party evening afternoon morning guests we're i'm "
    "late minutes running will be an in on with your get see just need it's that's where "
    "when which who why yes sorry great perfect"
)


def language_of(normalised: str, original: str, hint: str | None) -> str:
    """The message's language, "es" or "en", by its common words; the hint breaks a tie."""
    tokens = re.findall(r"[a-z']+", normalised)
    spanish = sum(token in SPANISH for token in tokens) + 2 * bool(
        re.search(r"[ñ¿¡áéíóú]", original.lower())
    )
    english = sum(token in ENGLISH for token in tokens)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return hint if hint in ("es", "en") else "es"
