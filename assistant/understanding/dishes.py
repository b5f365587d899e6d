"""The dishes of a menu that a message names, and how many of each."""

import re
import unicodedata

from assistant.understanding.text import NUMBER_WORDS, words

# Words that join a dish's name ("Arroz con pollo", "Fish of the day"): they name no dish alone,
# and a message sharing only them with a dish ("café con leche") does not name it.
GENERIC = words(
    "de del la las el los lo con y e al a en sin para por o u the of with and in on or to an "
    "for at style estilo"
)
# "un lomo saltado", "a burger": one of it.
_ONE = words("un una uno a an")
# Between a quantity and the dish: "2 de las empanadas", "three of the burgers".
_BETWEEN_QUANTITY = words("de del las los of the")
# Another word after a shared first word: "torta de cumpleaños" is not "Torta de chocolate".
_SPECIFIER = words("de del con al a la with of in")


def _fold(text: str) -> list[str]:
    """Lower-case words without accents or punctuation, numbers in digits ("tres leches": 3)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return [
        str(NUMBER_WORDS[word]) if word in NUMBER_WORDS else word
        for word in re.findall(r"[a-z0-9]+", text)
    ]


def _same_word(mine: str, theirs: str) -> bool:
    """The same word, singular or plural: empanada/empanadas, lomo/lomos, pez/peces, fry/fries."""
    if mine == theirs:
        return True
    short, long = sorted((mine, theirs), key=len)
    return (
        long in (short + "s", short + "es")
        or (short.endswith("z") and long == short[:-1] + "ces")
        or (short.endswith("y") and long == short[:-1] + "ies")
    )


def _quantity(message: list[str], start: int, end: int) -> int:
    """The number before the dish ("dos", "2", "un"), or after it ("x2"); 1 when none is said."""
    before = start - 1
    while before >= 0 and message[before] in _BETWEEN_QUANTITY and before > start - 3:
        before -= 1
    if before >= 0:
        word = message[before]
        if word.isdigit() and 0 < int(word) < 100:
            return int(word)
        if word in _ONE:
            return 1
    after = message[end : end + 2]
    if after and re.fullmatch(r"x(\d{1,2})", after[0]):
        return int(after[0][1:])
    if len(after) == 2 and after[0] == "x" and after[1].isdigit():
        return int(after[1])
    return 1


def _match(message: list[str], start: int, name: list[str]) -> int | None:
    """Where the dish's name ends when it starts at ``start``, joining words optional."""
    position = start
    for word in name:
        if position < len(message) and _same_word(message[position], word):
            position += 1
        elif word in GENERIC:
            continue
        # "ceviche de pescado" for "Ceviche pescado": a joining word the name leaves out.
        elif (
            position + 1 < len(message)
            and message[position] in GENERIC
            and _same_word(message[position + 1], word)
        ):
            position += 2
        else:
            return None
    return position


def dishes_stated(text: str, menu: list[tuple[int, str]]) -> dict[int, int]:
    """{dish id: quantity} for the dishes of ``menu`` that the message names."""
    message = _fold(text)
    names = {dish_id: _fold(name) for dish_id, name in menu}
    names = {
        dish_id: name for dish_id, name in names.items() if any(w not in GENERIC for w in name)
    }
    # The longest names first, so that "Ceviche mixto" is taken before "Ceviche".
    ordered = sorted(names.items(), key=lambda item: len(item[1]), reverse=True)
    taken = [False] * len(message)
    found: dict[int, int] = {}

    def take(dish_id: int, start: int, end: int) -> None:
        for index in range(start, end):
            taken[index] = True
        found[dish_id] = found.get(dish_id, 0) + _quantity(message, start, end)

    for dish_id, name in ordered:
        content = [word for word in name if word not in GENERIC]
        for start in range(len(message)):
            if taken[start] or not _same_word(message[start], content[0]):
                continue
            # The name starts with a content word in the message ("Arroz con pollo" at "arroz").
            first = name.index(content[0])
            end = _match(message, start, name[first:])
            if end is not None and not any(taken[start:end]):
                take(dish_id, start, end)
    # "dos empanadas" for "Empanada de queso": the first word alone names the only dish it begins,
    # when a quantity says it is being ordered and nothing after it names another thing.
    heads: dict[str, list[int]] = {}
    for dish_id, name in names.items():
        content = [word for word in name if word not in GENERIC]
        heads.setdefault(content[0], []).append(dish_id)
    for start, word in enumerate(message):
        if taken[start]:
            continue
        candidates = [
            ids for head, ids in heads.items() if not head.isdigit() and _same_word(word, head)
        ]
        if len(candidates) != 1 or len(candidates[0]) != 1 or candidates[0][0] in found:
            continue
        dish_id = candidates[0][0]
        ordered_here = start > 0 and (message[start - 1].isdigit() or message[start - 1] in _ONE)
        following = message[start + 1 : start + 3]
        specified = len(following) == 2 and following[0] in _SPECIFIER
        if ordered_here and not specified and len(names[dish_id]) > 1:
            take(dish_id, start, start + 1)
    return found
