"""What a change asks for: the new values, told apart from those describing the booking."""

import re

from assistant.understanding.dates import WEEKDAYS

# The booking the customer already has, and what they say of it: "mi reserva del sábado para 4",
# "I have a table for 2 tonight at 8pm". The values chained to it describe that booking.
_BOOKING = re.compile(
    r"\b(?:(?:tengo|tenemos|hice|hicimos) (?:una |la )?(?:reserv\w*|mesa)|"
    r"(?:i|we) (?:have|had|made|booked)(?: (?:a|the|our|my))?(?: (?:booking|reservation|table))?|"
    r"reserv\w*|booking|booked|(?:mi|nuestra|la|my|our|the) (?:mesa|table))\b"
)
_CHANGE_VERB = re.compile(
    r"\b(?:cambi\w*|modific\w*|mover\w*|muev\w*|pas(?:a|as|ar|arla|ala|en|enla|amos)|"
    r"corr(?:e|er|erla|ela|an|amos)|adelant\w*|atras\w*|reprogram\w*|posterg\w*|pospon\w*|"
    r"change|changing|move|moving|shift|push|switch|postpone|reschedule|bump|make)"
    r"\b(?:\s+\S+){0,4}\s*$"
)
# Words that can sit between the booking and what describes it without asking for anything.
_DESCRIBING = re.compile(
    r"\s+|,\s*|(?:de|del|from|el|la|las|los|the|this|este|esta|es|is|was|era|que|we|i|have|has|"
    r"made|tengo|tenemos|hice|hicimos|hecha|una mesa|a table|mesa|table|on|at|y|and|of|dia|day|"
    r"personas?|people|pax|adult\w*|guests?|ppl|hs|hrs|h|" + "|".join(WEEKDAYS) + r")\b|"
    r"a nombre de(?: [a-z]+){1,2}|under [a-z]+"
)
# "para", "a las": part of the description after "tengo reserva", the new value after "cambiar mi
# reserva", and the new value too when the booking already has a value of that kind ("de 4 a 6").
_TOWARDS = re.compile(r"(?:para|for|pa|a las|a la|al|a)\b")
_ARTICLES = re.compile(r"[\s,]*(?:(?:el|la|las|los|the|dia)\s+)*")


def _booking_values(text: str, values: list[tuple[int, int, str]]) -> set[tuple[int, int]]:
    """The spans of the values that describe the booking the customer already has."""
    described: set[tuple[int, int]] = set()
    starts = {start: (start, end, kind) for start, end, kind in values}
    for booking in _BOOKING.finditer(text):
        asks_change = bool(_CHANGE_VERB.search(text[: booking.start()]))
        position, kinds = booking.end(), set()
        while position < len(text):
            if position in starts:
                start, end, kind = starts[position]
                described.add((start, end))
                kinds.add(kind)
                position = end
                continue
            towards = _TOWARDS.match(text, position)
            if towards:
                value = next(
                    (
                        item
                        for item in values
                        if item[0] >= towards.end()
                        and _ARTICLES.fullmatch(text[towards.end() : item[0]])
                    ),
                    None,
                )
                if asks_change or (value and value[2] in kinds):
                    break
                position = towards.end()
                continue
            filler = _DESCRIBING.match(text, position)
            if not filler or filler.end() == position:
                break
            position = filler.end()
    return described


# "9pm instead of 8pm", "6 en vez de 4", "7 people, not 5": the new value comes before the marker.
_INSTEAD_OF = re.compile(
    r"\b(?:instead of|rather than|en vez de\w*|en lugar de\w*|y no|and not)\b|"
    r",? (?:no|not) (?=(?:para |for )?(?:\d|el\b|la\b|las\b|the\b))"
)
# "a table for 4, could we make it 5?": a bare number against the booking's party is the new one.
_BARE_NUMBER = re.compile(
    r"\b(?:make it|make that|que sean|que seamos|ser|seremos|pasarla a|pasar a|cambiar a|change it to|"
    r"change to)\s+(\d{1,2})\b(?!\s*(?::|\.\d|am\b|pm\b|h\b|hs\b|de la\b|o'?clock))"
)
# "2 más", "add two people": people added to the booking's party, not the party itself.
_MORE = re.compile(
    r"\b(\d{1,2}) (?:\w+ )?(?:mas|more)\b|"
    r"\b(?:agreg\w*|sum(?:ar|a|amos|en)|add|adding|anad\w*|inclu\w*)\s+(?:a\s+)?(?:otr[oa]s\s+)?"
    r"(\d{1,2})\b(?!\s*(?::|\.\d|am\b|pm\b|h\b|hs\b))"
)
# "2 menos", "uno no puede venir", "remove one person": people leaving the booking's party.
_FEWER = re.compile(
    r"\b(\d{1,2}) (?:\w+ )?(?:menos|less|fewer)\b|"
    r"\b(?:quit\w*|sac(?:ar|a|ame|en)|remove|take off)\s+(?:a\s+)?(\d{1,2})\b|"
    r"\b(\d{1,2}|alguien|someone|somebody)(?: \w+)? (?:no (?:puede|pueden|podra|podran|va a|van a) "
    r"(?:venir|ir|asistir)|can'?t (?:come|make it)|cannot (?:come|make it)|won'?t (?:come|make it|"
    r"be coming)|dropped out|se (?:bajo|bajaron))"
)


def new_values(text: str, dates, times, parties):
    """The values a change asks for: the last stated, or the last before "instead of".

    A date that only names the booking stands when no new date is asked; a time or party size
    that only describes the booking is no new value.
    """
    marker = _INSTEAD_OF.search(text)
    described = _booking_values(
        text,
        [(start, end, "date") for start, end, _ in dates]
        + [(start, end, "time") for start, end, _ in times]
        + [(start, end, "party") for start, end, _ in parties],
    )

    def pick(found):
        found = [item for item in found if item[:2] not in described]
        if not found:
            return None
        if marker:
            before = [item for item in found if item[0] < marker.start()]
            if before:
                return before[-1][-1]
        return found[-1][-1]

    date = pick(dates) or (dates[0][-1] if dates else None)
    party_size = pick(parties)
    bare = _BARE_NUMBER.search(text)
    if bare and party_size is None and any(item[:2] in described for item in parties):
        party_size = int(bare.group(1))
    for pattern, sign in ((_MORE, 1), (_FEWER, -1)):
        found = pattern.search(text)
        if found:
            count = next(group for group in found.groups() if group)
            count = int(count) if count.isdigit() else 1
            # The party it changes: said before, or else said of the booking ("from my booking for 4").
            known = [item for item in parties if item[-1] is not None]
            before = [item for item in known if item[1] <= found.start()]
            booking = [item for item in known if item[:2] in described]
            base = before[-1] if before else (booking[0] if booking else None)
            party_size = base[-1] + sign * count if base else None
    return date, pick(times), party_size
