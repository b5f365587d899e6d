"""What the customer asks for: one of INTENTS, by word lists checked in order of priority."""

import re


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(pattern, text) for pattern in patterns)


HUMAN = [
    r"\b(?:ignor\w*|olvida\w*|forget|disregard|override)\b.{0,40}\b(?:instruc\w*|reglas|rules|prompt|indicaciones|programacion)",
    r"\b(?:system prompt|prompt del sistema|jailbreak|developer mode|modo desarrollador|you are now|ahora eres|act as|actua como|pretend to be)\b",
    r"\b(?:hablar|habla|comunica\w*|conversar|contactar|pasame|pasar|pasen|pasarme|atender|atienda)\b.{0,30}\b(?:persona|humano|alguien|encargad[oa]|gerente|administrador|dueno|duena|mesero|mozo|responsable|manager|recepcion|jefe)\b",
    r"\b(?:persona real|un humano|ser humano|atencion humana|agente|operador|operadora|asesor|asesora)\b",
    r"\b(?:talk|speak|chat|connect)\b.{0,25}\b(?:human|person|someone|somebody|manager|staff|owner|agent|real)\b",
    r"\b(?:real person|human being|a human|an agent|live agent|operator|customer service|the manager)\b",
    r"\b(?:llamenme|llamame|me pueden llamar|me puede llamar|call me|give me a call|phone me)\b",
    r"\b(?:quien|quienes|who)\b.{0,30}\b(?:reservo|reservaron|reserv\w* hoy|booked|has booked|is coming|viene|vienen)\b",
    r"\b(?:otros clientes|otro cliente|otras reservas|other (?:customers|guests|clients|people|bookings|reservations)|someone else'?s|another (?:customer|guest)'?s?|lista de (?:reservas|clientes)|list of (?:reservations|bookings|customers|guests)|all (?:the )?(?:reservations|bookings|customers))\b",
    r"\b(?:telefono|numero|correo|email|mail|datos|direccion|phone|number|address|details|contact)\b.{0,20}\b(?:de|of|del|for)\b.{0,10}\b(?:cliente|clientes|customer|guest|senor|senora|mr|mrs|ms|la senora|el senor)\b",
    r"\b(?:borra|borrar|elimina|eliminar|delete|remove|wipe)\b.{0,30}\b(?:todas|todos|all|database|base de datos|clientes|customers)\b",
    r"\b(?:marca\w*|mark)\b.{0,25}\b(?:pagad[oa]|paid|no.?show|cobrad[oa])\b",
    r"\b(?:dame|dar|give me|aplica\w*|apply)\b.{0,20}\b(?:descuento|discount)\b",
    r"\b(?:refund|reembolso|devolucion|devuelvan)\b",
    r"\b(?:cambia\w*|change|modify|modifica\w*|sube|baja|raise|lower)\b.{0,20}\b(?:precio|precios|price|prices)\b",
    r"\b(?:contrasena|password|admin|panel de control|backoffice|acceso al sistema)\b",
    r"\b(?:bloquea\w*|block)\b.{0,25}\b(?:restaurante|restaurant|agenda|reservas|bookings|reservations|mesas|tables)\b",
    r"\b(?:queja|reclamo|complaint|complain)\b",
]
CANCEL = [
    r"\b(?:cancel\w*|anula\w*|call off)\b",
    r"\bno (?:vamos a|voy a|podemos|podremos|puedo|podre|van a) (?:poder )?(?:ir|llegar|asistir)\b",
    r"\bya no (?:vamos|voy|iremos|podemos|vendremos|venimos)\b",
    r"\b(?:can'?t|cannot|won'?t) make it\b",
    r"\bwon'?t be (?:coming|able to come)\b",
]
CANCEL_POLICY = r"\b(?:politica de cancelacion|cancellation policy|cancellation fee)\b"
CHANGE_STRONG = [
    r"\b(?:cambi\w*|modific\w*|mover|muev\w*|mueve|reprogram\w*|adelantar\w*|adelanta (?:la|mi|nuestra)|atrasar\w*|atrasa (?:la|mi|nuestra)|posterg\w*|pospon\w*|corre\w* (?:la|mi) reserva|pasar (?:la|mi) reserva|pasa (?:la|mi) reserva)\b",
    r"\b(?:en vez de|en lugar de|change|changing|move|moving|reschedule|modify|postpone|push (?:it|back|my|our|the)|instead|update (?:my|the|our) (?:booking|reservation))\b",
]
CHANGE_WEAK = [
    r"\b(?:agreg\w*|anad\w*|pasar|pasarla|pasamos|correr|correrla|sumar|suma\w*|add|adding|one more|1 more|1 persona mas|uno mas|una mas|ahora somos|now we are|we are now|now \d+|include)\b",
    r"\b(?:alergi\w*|alergic\w*|allerg\w*|celiac\w*|intoleran\w*|cumple\w*|birthday|aniversario|anniversary|silla (?:para bebe|alta|de bebe|de ruedas)|high ?chair|wheelchair|torta|pastel|cake|sorpresa|surprise|nota|note|comentario|remark)\b",
]
EXISTING = (
    r"\b(?:mi reserv\w*|nuestra reserv\w*|la reserv\w*|tengo (?:una )?reserv\w*|tenemos (?:una )?reserv\w*|"
    r"reservamos|hice (?:una )?reserv\w*|hicimos (?:una )?reserv\w*|my (?:booking|reservation|table)|"
    r"our (?:booking|reservation|table)|the (?:booking|reservation)|i booked|we booked|"
    r"(?:i|we) have a (?:booking|reservation|table)|(?:i|we) made a (?:booking|reservation))\b"
)
LATE = (
    r"\b(?:llegamos|llego|llegaremos|llegare|vamos a llegar|voy a llegar|running|be|arrive|we'?ll be|i'?ll be)\b"
    r".{0,25}\b(?:tarde|late|atrasad[oa]s?|demorad[oa]s?)\b"
)
BOOK_STRONG = [
    r"\b(?:quiero|quisiera|queria|quisieramos|queremos|necesito|necesitamos|me gustaria|nos gustaria|deseo|deseamos|podria|podrias|puedo|podemos|puede|puedes|queres|quieres|quiere|podes|me podes|i'?d like|i would like|i want|we want|we'?d like|we would like|can i|can we|could i|could we|may i|please|porfa|por favor|plz|pls|hacer|make)\b.{0,40}\b(?:reserv\w*|book\w*|apart\w*|agend\w*|mesa|a table|table for)\b",
    r"\b(?:reservame|reservanos|book us|book me|book a|reserve a|haceme una reserva|hazme una reserva|me haces una reserva|me reservas|nos reservas|me reservan|nos reservan|me apartas|me aparta)\b",
]
AVAILABILITY = [
    r"\bdisponib\w*",
    r"\b(?:hay|habra|habria|tienen|tenes|teneis|tendreis|tiene|tendran|tendrian|tendras|queda\w*|quedan)\b.{0,12}\b(?:lugar|lugares|mesa|mesas|espacio|cupo|cupos|sitio|algo|chance)\b",
    r"\b(?:mesa mas grande|mesa grande|mesa mas larga|mesa libre|mesas libres|hay chance|alcanza)\b",
    r"\b(?:cuanto|cuanta)\b.{0,25}\bmesa\b",
    r"\b(?:do|does|would|will) (?:you|ya|u)(?: guys| all| folks)? have\b.{0,20}\b(?:room|space|tables?|spots?|availability|anything|any)\b",
    r"\b(?:availability|available|any (?:tables?|room|space|spots?|openings?)|do you have (?:a )?(?:room|space|table|tables|spot|anything|any)|(?:is|are) there (?:any )?(?:tables?|room|space)|biggest table|largest table|big table|how much (?:is|for|does|would)\b.{0,10}\btable|fit \d+|space for|room for|lugar para|espacio para|cupo para|free table|fully booked|full tonight|estan llenos|esta lleno)\b",
]
BOOK_WEAK = [
    r"\b(?:reserv\w*|book\w*|mesa para|table for|pax|party of|apart\w*|agend\w*)\b",
    r"\b(?:somos|we are|we're) \d+",
]
OUT_OF_SCOPE = [
    r"\b(?:estacionamiento|parqueadero|parqueo|aparcamiento|parking|park|valet|cochera)\b",
    r"\b(?:tarjeta|tarjetas|efectivo|credit card|debit|card|cards|cash|transferencia|transfer|mercado pago|paypal|visa|mastercard|amex|pagar con|pay with|payment|pago)\b",
    r"\b(?:wifi|wi-fi|mascota\w*|perro\w*|pet|pets|dog|dogs|delivery|domicilio|a domicilio|para llevar|takeaway|take away|factura|invoice|receipt|recibo|ubicacion|direccion|donde quedan|donde estan|address|where are you|location|dress code|codigo de vestimenta)\b",
    CANCEL_POLICY,
]
HOURS = [
    r"\b(?:horario\w*|abren|abre|abiertos?|abierta|cierran|cierra|cerrado|cerrados|atienden|atiende|open|opening|opens|close|closing|closes|closed|hours)\b",
]
MENU = [
    r"\b(?:menu|carta|plato\w*|comida|comidas|food|dish\w*|vegan\w*|vegetarian\w*|veggie|gluten|celiac\w*|keto|halal|kosher|alergen\w*|allergen\w*|postre\w*|dessert\w*|vino\w*|wine\w*|bebida\w*|drink\w*|trago\w*|cocktail\w*|coctel\w*|cerveza\w*|beer\w*|precio\w*|price\w*|cuesta|cuestan|vale|valen|how much|especialidad\w*|specialt\w*|recomienda\w*|recommend\w*|ceviche|pizza\w*|pasta\w*|tacos?|empanada\w*|paella|steak|carne|pescado|fish|mariscos|seafood|pollo|chicken|hamburguesa\w*|burger\w*|ensalada\w*|salad\w*|sopa\w*|soup\w*|lactosa|lactose|nueces|nuts|mani|peanut\w*|brunch|desayuno\w*|breakfast)\b",
]
DIET_QUESTION = (
    r"\b(?:tienen|tenes|hay|do you have|do you offer|is there|are there|any|ofrecen|manejan)\b.{0,30}"
    r"\b(?:vegan\w*|vegetarian\w*|gluten|celiac\w*|keto|halal|kosher|opcion\w*|options?)\b"
)


def intent_of(text: str, raw_lower: str, has_details: bool) -> str:
    """The first intent whose words the message has, in order of priority."""
    if _any(HUMAN, text):
        return "human"
    if _any(CANCEL, text) and not re.search(CANCEL_POLICY, text):
        if _any(CHANGE_STRONG, text) and re.search(
            r"\b(?:en vez|en lugar|instead|y reserv\w*|and book)\b", text
        ):
            return "change"
        return "cancel"
    existing = bool(re.search(EXISTING, text) or re.search(r"\breserv[ée]\b", raw_lower))
    if _any(CHANGE_STRONG, text) and not re.search(
        r"\b(?:cambio|change)\b.{0,10}\b(?:efectivo|cash|money|dinero|vuelto)\b", text
    ):
        return "change"
    if existing and _any(CHANGE_WEAK, text) and not re.search(DIET_QUESTION, text):
        return "change"
    if re.search(LATE, text) and not has_details:
        return "other"
    if _any(BOOK_STRONG, text):
        return "book"
    if _any(AVAILABILITY, text):
        return "availability"
    if _any(BOOK_WEAK, text) and not (existing and not has_details):
        return "book"
    if _any(OUT_OF_SCOPE, text):
        return "other"
    if _any(HOURS, text) or re.search(r"\b(?:a|hasta|desde) que hora\b|\bwhat time do you\b", text):
        return "hours"
    if _any(MENU, text):
        return "menu"
    if has_details:
        return "book"
    return "other"
