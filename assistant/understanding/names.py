"""The customer's name, only when they state it, and the area of the room they ask for."""

import re
import unicodedata

from assistant.understanding.dates import MONTHS, WEEKDAYS
from assistant.understanding.text import ENGLISH, SPANISH, words

_NAME_WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][\w'’-]*"
# The customer says who they are: a lower-case name after these is still a name.
_STRONG_CUE = re.compile(
    r"(?:me llamo|mi nombre es|a nombre de(?:l\b| la\b)?|al nombre de|bajo el nombre de|nombre\s*:|"
    r"my name is|(?:my )?name'?s|(?:my )?name’s|under the name(?: of)?|name\s*:|name is)\s*:?\s*(?=\S)",
    re.IGNORECASE,
)
# Words that often come before a name, and before other things too ("soy celíaca", "this is for
# tomorrow"): a name after them is capitalised or a known given name.
_WEAK_CUE = re.compile(
    r"(?:^|(?<=[\s,.!¡¿?]))(?:soy|i'm|i’m|i am|this is|este es|esta es|aqui|aquí|aca|acá|habla|"
    r"le habla|te habla|les habla|le escribe|te escribe|les escribe|le saluda|te saluda|les saluda|"
    r"de parte de|under|booking under|reservation under|it's|its|(?:sur|last )?name,?|"
    r"(?:apellido|nombre),?)\s+(?=\w)",
    re.IGNORECASE,
)
# "Sarah here", "Gracias, Lola", "Saludos, Ana Pérez": a name that signs the message.
_SIGNED = re.compile(
    r"(?:^|[\s,.!¡?¿-])(?:(?P<here>(?=[A-ZÀ-Ö])(?:" + _NAME_WORD + r"\s+){1,2})here\b|"
    r"(?<=\s)[-–—]+\s*(?P<dashed>(?=[A-ZÀ-Ö])(?:" + _NAME_WORD + r"\s*){1,3})[\W_]*$|"
    r"(?:(?:gracias|muchas gracias|thanks|thank you|thx)\s*(?:[,\n-]|!+\n)|saludos|slds|regards|"
    r"best regards|cheers|atentamente|atte\.?|bendiciones|besos|abrazos?)\s*[,.!:-]*\s+(?P<signed>(?=[A-ZÀ-Ö])(?:"
    + _NAME_WORD
    + r"\s*){1,3})[\W_]*$)",
    re.IGNORECASE,
)
# "mesa para 2 para Sofía", "reservation for John Smith", "cancelar la reserva de Martínez": a
# capitalised name after "para", "for" or the booking's "de".
_FOR_CUE = re.compile(
    r"(?:^|(?<=[\s,.!¡¿?]))(?:para|pa|for|(?:reserva|reservación|reservacion|booking|reservation)"
    r"\s+(?:de|del|of))\s+(?=[A-ZÀ-Ö]|(?i:(?:la |el |the )?(?:sra?|srta|dra?|mrs?|ms)\b))"
)
# The booking named is another customer's: who has it, their phone, their details.
_SOMEONE_ELSE = re.compile(
    r"\b(?:quien|quienes|who|whose|(?<!mi )(?<!my )(?:telefono|numero|correo|email|mail|phone|"
    r"number|datos|details|contact)|cliente|clientes|customer|guest|alguien|someone|somebody|"
    r"otra persona|another person)\b"
)
# "her name is", "su nombre es", "my husband's name": the name of someone else.
_THEIR_NAME = re.compile(
    r"\b(?:her|his|their|su|el|\w+'s|\w+’s|de mi \w+|of my \w+)\s+(?:sur|last )?name'?s?\b.{0,6}$|"
    r"\b(?:su|el) nombre(?: es)?\W{0,3}$",
    re.IGNORECASE,
)
_TITLES = re.compile(
    r"(?:(?:el|la|the)\s+)?(?:sr|sra|srta|dr|dra|don|dona|doña|mr|mrs|ms|miss|senor|señor|senora|"
    r"señora|senorita|señorita|lic|ing|prof)\b\.?\s*",
    re.IGNORECASE,
)
# "Soy el dueño, Carlos Mendoza": the role before the name is not the name.
_ROLE = re.compile(
    r"^(?:el|la|the|your|tu|su)\s+(?:dueñ[oa]|duen[oa]|gerente|encargad[oa]|administrador[a]?|"
    r"manager|owner|chef|jef[ea]|supervisor[a]?|meser[oa]|waiter|waitress|host|hostess)"
    r"(?:\s+del?\s+(?:restaurante|local|restaurant|turno))?\s*[,:-]?\s*(?=[A-ZÀ-Ö])",
    re.IGNORECASE,
)
_CONNECTORS = frozenset({"de", "del", "la", "los", "las", "van", "von", "da", "di"})
_NOT_NAMES = (
    words(
        "para por y and for the a el la en de con manana hoy tonight tomorrow today quiero i "
        "we una un mesa table reserva reservar booking looking trying wondering sorry here not "
        "going interested so very just available coming celiac celiaco celiaca vegan "
        "vegetarian vegano vegana vegetariano vegetariana allergic alergico alergica new nuevo "
        "nueva cliente customer from de del ok okay please porfa thanks gracias hello hola "
        "necesito quisiera queria reservo reserve e necesitamos queremos tengo tenemos somos mi "
        "my su otra otro alguien someone another quien who yo me nos te le les tu vos usted "
        "ustedes aqui aca here there alla ahi now ahora again otra vez el la lo also tambien "
        "del equipo staff owner dueno duena gerente manager mesero mesera waiter chef team "
        "admin administrador administradora encargado encargada supervisor supervisora jefe "
        "jefa boss cajero cajera cashier cocinero cocinera cook recepcionista receptionist "
        "host hostess camarero camarera mozo moza bartender sommelier policia police "
        "happy glad calling writing texting messaging escribiendo llamando de parte familia "
        "family grupo group empresa company celebrando celebrating cumpleanos birthday "
        "embarazada pregnant diabetico diabetica intolerante lactose lactosa gluten sin "
        "cena almuerzo comida dinner lunch brunch desayuno breakfast navidad nochebuena "
        "nochevieja christmas xmas easter pascua halloween thanksgiving valentine valentines "
        "semana santa ano nuevo year years mothers fathers dia day dias days madre padre "
        "mom mum dad mama papa abuela abuelo grandma grandpa hijo hija kids ninos "
        "terraza terrace patio bar barra ventana window inside outside adentro afuera "
        "noche tarde manana morning afternoon evening night tonite mediodia noon "
        "que q k como cuando donde dond what when where how why which si yes no "
        "hasta pronto luego chau chao adios bye goodbye see soon later saludos bendiciones besos "
        "abrazos abrazo buen buena buenas buenos feliz felices good great nice dia tardes noches "
        "dos tres cuatro cinco seis siete ocho nueve diez two three four five six seven "
        "eight nine ten one uno una todo todos all everyone everybody us ourselves"
    )
    | SPANISH
    | ENGLISH
    | frozenset(WEEKDAYS)
    | frozenset(MONTHS)
)
# Given names customers write in lower case ("soy andrea", "this is mike").
GIVEN_NAMES = words(
    "adriana adrian agustin agustina alejandra alejandro alberto alba alicia alvaro amanda ana "
    "andrea andres angel angela angelica antonella antonia antonio ariana arturo belen benjamin "
    "bernardo blanca bruno camila camilo carla carlos carmen carolina catalina cecilia cesar "
    "claudia clara constanza cristian cristina daniel daniela david diana diego dolores eduardo "
    "elena elisa emilia emiliano emilio enrique esteban eugenia eva fabian facundo felipe "
    "fernanda fernando florencia francisca francisco gabriel gabriela gaston gerardo gloria "
    "gonzalo guadalupe guillermo gustavo hector hernan hugo ignacio ines irene isabel isabella "
    "ivan jaime javier javiera jesus jimena joaquin jorge jose josefina juan juana julia julian "
    "juliana julieta karen karina laura leonardo leticia lorena lorenzo lourdes lucas lucia "
    "luciana luis luisa lupita macarena manuel manuela marcela marcelo marco marcos margarita "
    "maria mariana mariano marina mario marta martin martina mateo matias mauricio maximiliano "
    "melissa mercedes miguel milagros monica natalia nicolas nico noelia norma octavio olga "
    "oscar pablo paola patricia paula paulina pedro pilar rafael ramiro ramon raquel raul "
    "renata ricardo roberto rocio rodrigo rosa rosario ruben samuel santiago sara sebastian "
    "sergio silvia sofia soledad susana tatiana teresa tomas valentina valeria vanesa vicente "
    "victor victoria ximena yolanda pancho pepe paco lola nacho chelo cata coni fer flor "
    "cami mari juanjo tere jime belu "
    "aaron adam alex alice amy andrew anna anne ashley ben beth brian chloe chris daniel "
    "dave david emily emma eric grace hannah jack jake james jane jason jen jennifer jessica "
    "jim joe john jon josh julie kate katie kevin laura lily liz lucy maria mark mary matt "
    "megan michael mike nick olivia paul peter rachel rebecca robert ryan sam sarah "
    "scott sophie steve steven tom tony william zoe"
)


def _fold(word: str) -> str:
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", word.lower())
        if not unicodedata.combining(char)
    )


def _read_name(rest: str, *, lower_case: bool) -> str | None:
    """The name at the start of ``rest``; lower-case words only when ``lower_case`` allows them."""
    rest = _TITLES.sub("", rest, count=1) if _TITLES.match(rest) else rest
    taken: list[str] = []
    for token in re.finditer(_NAME_WORD + r"|[^\w\s'’-]|\s+", rest):
        word = token.group(0)
        if word.isspace():
            continue
        folded = _fold(word)
        if not re.fullmatch(_NAME_WORD, word) or word.endswith(("'s", "’s")):
            break
        if folded in _NOT_NAMES - (_CONNECTORS if taken else set()) and folded not in GIVEN_NAMES:
            break
        capital = word[0].isupper()
        if not capital and folded in _CONNECTORS and taken:
            taken.append(word)
            continue
        # "soy maria lopez 0991234567": a surname after given names, closing the name.
        closes = bool(re.match(r"\s*(?:$|[\d+,.;!?])", rest[token.end() :]))
        after_given = bool(taken) and all(_fold(name) in GIVEN_NAMES for name in taken)
        if not capital and not (lower_case or folded in GIVEN_NAMES or (after_given and closes)):
            break
        taken.append(word)
        if len(taken) >= 4:
            break
    while taken and taken[-1].lower() in _CONNECTORS:
        taken.pop()
    name = " ".join(taken).strip(" '’-")
    return name or None


def _names_a_booking(cue: str) -> bool:
    """Whether the cue names whose booking it is ("a nombre de", "under") rather than who writes."""
    return cue.lower().startswith(
        ("a nombre", "al nombre", "bajo", "under", "booking", "reservation")
    )


# "Reserva: sábado, 4 personas, 21hs, Pedro", "13/12 20:00 Sofía Gómez": a name written alone,
# as one of the booking's details, at the start of a field or after a value.
_FIELD = re.compile(r"[,.;:\n|]|\s[-–—]+\s")
_TRAILING_NAME = re.compile(r"(?:^|(?<=\s))((?:[A-ZÀ-ÖØ-Þ][\w'’-]*\s*){1,4})$")
_AFTER_VALUE = re.compile(r"(?:^|\d|\b(?:hs|hrs|pm|am|pax|ppl|personas|people|persons|pers))\s*$")
_PHONE_OR_EMOJI = re.compile(r"(?:\s*\+?\d[\d\s-]{6,}|[^\w\s'’-])+\s*$")


def _bare_name(original: str) -> str | None:
    """A field of the message that is only a name: a known given name, or two capitalised words."""
    for field in _FIELD.split(original):
        field = _PHONE_OR_EMOJI.sub("", field).strip()
        trailing = _TRAILING_NAME.search(field)
        if not trailing or not _AFTER_VALUE.search(field[: trailing.start()]):
            continue
        words = trailing.group(1).split()
        if any(_fold(word) in _NOT_NAMES and _fold(word) not in GIVEN_NAMES for word in words):
            continue
        if _fold(words[0]) in GIVEN_NAMES or len(words) >= 2:
            return " ".join(words)
    return None


def name_stated(
    original: str, *, booking_names: bool = True, bare_names: bool = False
) -> str | None:
    """The name after "soy", "a nombre de", "my name is", "under"…, as written.

    Without ``booking_names``, as when the message asks about other customers or staff work, a
    name given for a booking ("a nombre de", "under", "para") is someone else's and not taken.
    With ``bare_names``, as in a message listing a booking's details, a name alone is taken too.
    """

    def someone_else(match: re.Match) -> bool:
        return not booking_names or bool(_SOMEONE_ELSE.search(_fold(original[: match.start()])))

    for match in _STRONG_CUE.finditer(original):
        if _THEIR_NAME.search(original[: match.end()]):
            continue
        if _names_a_booking(match.group(0)) and someone_else(match):
            continue
        name = _read_name(original[match.end() :], lower_case=True)
        if name:
            return name
    for match in _WEAK_CUE.finditer(original):
        if _names_a_booking(match.group(0).strip(" ,.!¡¿?")) and someone_else(match):
            continue
        if _THEIR_NAME.search(original[: match.end()]):
            continue
        rest = original[match.end() :]
        if match.group(0).lower().startswith("soy"):
            rest = re.sub(r"^(?:el|la)\s+(?=[A-ZÀ-Ö]|" + "|".join(GIVEN_NAMES) + r")", "", rest)
        name = _read_name(_ROLE.sub("", rest, count=1), lower_case=False)
        if name:
            return name
    signed = _SIGNED.search(original)
    if signed:
        signature = signed.group("here") or signed.group("dashed") or signed.group("signed")
        name = _read_name(signature, lower_case=False)
        if name:
            return name
    for match in _FOR_CUE.finditer(original):
        if someone_else(match):
            continue
        name = _read_name(original[match.end() :], lower_case=False)
        if name and name[0].isupper():
            return name
    return _bare_name(original) if bare_names else None


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
