"""What the customer asks for: one of INTENTS, by word lists checked in order of priority."""

import re


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(pattern, text) for pattern in patterns)


HUMAN = [
    r"\b(?:ignor\w*|olvida\w*|forget|disregard|override)\b.{0,40}\b(?:instruc\w*|reglas|rules|prompt|indicaciones|programacion)",
    r"\b(?:new instructions|nuevas instrucciones|nuevas reglas|new rules|system prompt|prompt del sistema|jailbreak|developer mode|modo desarrollador|you are now|ahora eres|act as|actua como|pretend to be)\b",
    r"\b(?:hablar|habla|comunica\w*|comuniq\w*|conversar|contactar|pasame|pasar|pasen|pasarme|atender|atienda)\b.{0,30}\b(?:persona|humano|alguien|encargad[oa]|gerente|administrador|dueno|duena|chef|cocinero|mesero|mozo|responsable|manager|recepcion|jefe)\b",
    r"\b(?:persona real|un humano|ser humano|atencion humana|agente|operador|operadora|asesor|asesora)\b",
    r"\b(?:talk|speak|chat|connect)\b.{0,25}\b(?:human|person|someone|somebody|manager|staff|owner|agent|real)\b",
    r"\b(?:real person|real human|humano real|alguien real|alguien de verdad|persona de verdad|human being|a human|an agent|live agent|operator|customer service|the manager)\b",
    r"\b(?:llamenme|llamame|llamarme|llamarnos|me llame|me llamen|call me back|me pueden llamar|me puede llamar|call me|give me a call|phone me)\b",
    r"\b(?:quien|quienes|who)\b.{0,30}\b(?:reservo|reservaron|reserv\w* hoy|booked|has booked|is coming|viene|vienen)\b",
    r"\b(?:otros clientes|otro cliente|otras reservas|other (?:customers|guests|clients|people|bookings|reservations)|someone else'?s|another (?:customer|guest)'?s?|lista de (?:reservas|clientes)|list of (?:reservations|bookings|customers|guests)|all (?:the )?(?:reservations|bookings|customers))\b",
    r"\b(?:telefono|numero|correo|email|mail|datos|direccion|phone|number|address|details|contact)\b.{0,20}\b(?:de|of|del|for)\b.{0,10}\b(?:cliente|clientes|customer|guest|senor|senora|mr|mrs|ms|la senora|el senor)\b",
    r"\b(?:borra|borrar|elimina|eliminar|delete|remove|wipe)\b.{0,30}\b(?:todas|todos|all|database|base de datos|clientes|customers)\b",
    r"\b(?:marca\w*|mark)\b.{0,40}\b(?:pagad[oa]|paid|no.?show|cobrad[oa])\b",
    r"\b(?:dame|dar|give me|aplica\w*|apply|haz|hazme|hagan|haceme|make|quiero|i want|want)\b.{0,20}\b(?:descuento|discount)\b",
    r"\b(?:dame|give me|quiero|i want|hazme|gimme)\b.{0,25}\b(?:gratis|for free)\b|\b(?:mesa|table|cena|comida|meal|dinner|postre|dessert|drinks?|bebidas?|tragos?) (?:gratis|for free)\b",
    r"\b(?:disable|deactivate|shut down|turn off|desactiva\w*|apaga\w*)\b.{0,20}\b(?:system|sistema|bookings|reservas|bot|assistant|asistente)\b",
    r"\b(?:con quien (?:hablo|puedo hablar|me comunico)|who (?:can|do|should) i (?:talk|speak))\b",
    r"\b(?:get me|i want|i need|need|quiero|necesito)\b.{0,5}\b(?:a |an |the |un |una |el |la )?(?:manager|human|gerente|encargad[oa]|humano|supervisor)\b",
    r"\b(?:encargad[oa]|gerente|supervisor|manager)\b.{0,12}\b(?:disponible|available|ahi|there|por ahi)\b",
    r"\b(?:person|people|table|guests?|customer|cliente|persona|mesa)\b.{0,15}\b(?:before me|antes que yo|antes de mi|next to (?:me|us)|de al lado)\b",
    r"\b(?:cuant[ao]s|how many)\b.{0,10}\b(?:reservas|reservaciones|bookings|reservations|clientes|customers)\b",
    r"\b(?:act like|reset your|resetea\w*|borra tu memoria|forget your)\b",
    r"\b(?!(?:your|my|our|restaurant|the|it|what|that|there|here|who|where|he|she|let|name)\b)\w+'s (?:phone|number|email|address|contact)\b",
    r"\b(?:quien|quienes|who)\b.{0,15}\b(?:sitting|seated|sentad[oa]s?)\b",
    r"^(?:humano|human|persona|una persona|agente|operador|asesor|person)\s*[?!.]*$",
    r"\b(?:soy del (?:equipo|staff|personal)|i work here|trabajo (?:aqui|aca|ahi|en el restaurante)|i'?m (?:on the |a )?staff(?: member)?|i'?m an? (?:employee|waiter|waitress)|i'?m on the team)\b",
    r"\b(?:i want a person|quiero una persona|a person please|una persona por favor|are you a bot|eres un bot|es un bot|sos un bot|no sea un bot|not a bot|(?:es usted|usted es|eres|sos|are you) (?:un |una |a |an )?(?:bot|robot|maquina|machine))\b",
    r"\b(?:if|whether|si)\b (?!(?:i|we|yo|nosotros|mi|my|our|you|ustedes|todavia|aun|still|hay|there|les|le|el|la|the|it)\b)(?:\w+ ){1,3}(?:has|tiene) (?:a |una )?(?:reserv\w*|booking|table|mesa)",
    r"\b(?:me|nos) (?:regalan|regalas|regala|regalarian|invitan|invitas|invita) (?:el|la|los|las|un|una|unos|unas)\b",
    r"\b(?:refund|reembolso|devolucion|devuelvan|devolver(?:me|nos)?|devuelven|devuelvas)\b",
    r"\b(?:(?:nos|me) (?:hacen|hace|haces|dan|das|da|pueden hacer|podrian hacer)|hacen|can (?:you|i|we) (?:give|get)|could (?:you|i|we) (?:give|get))\b.{0,15}\b(?:descuento|discount|rebaja)\b|\b\d+ ?%? (?:off|de descuento)\b",
    r"\b(?:me pasan|me pasas|me pasa|me dan|me das|me envian|me mandan|pasame|pasenme|dame|denme|give me|send me|can i (?:have|get))\b.{0,15}\b(?:contacto|whatsapp|telefono|numero|celular|correo|email|mail|contact|number|phone)\b.{0,10}\b(?:del|de la|de los|of the|of your|for the) (?:chef|encargad[oa]|gerente|duen[oa]|administrador\w*|manager|owner|cocinero|mesero|mozo|staff|personal)\b",
    r"\b(?:borr|elimin|delete|remove|wipe|erase)\w*\b.{0,15}\b(?:my|mi|mis|our) (?:data|datos|number|numero|info\w*|personal|telefono|phone|email|correo|account|cuenta)\b",
    r"\b(?:cambia\w*|change|modify|modifica\w*|sube|baja|raise|lower)\b.{0,20}\b(?:precio|precios|price|prices)\b",
    r"\b(?:contrasena|password|admin|panel de control|backoffice|acceso al sistema)\b",
    r"\b(?:bloquea\w*|block)\b.{0,25}\b(?:restaurante|restaurant|agenda|reservas|bookings|reservations|mesas|tables)\b",
    r"\b(?:queja|reclamo|complaint|complain)\b",
    r"\b(?:(?:me|nos) cobraron (?:de mas|mal|doble|dos veces)|cobro (?:de mas|doble)|overcharg\w*|charged (?:me|us) (?:twice|too much|wrong\w*|double))\b",
    # Staff-only claims and actions, other customers' bookings, handing over to a person.
    r"\b(?:soy|i'?m|i am|this is)\s+(?:\w+(?: \w+)?,?\s+)?(?:el|la|the|a|an|uno de los|una de las|one of the|your)\s+(?:meser[oa]s?|encargad[oa]|gerente|administrador[a]?|duen[oa]|supervisor[a]?|manager|owner|jef[ea]|camarer[oa]s?|moz[oa]s?|cociner[oa]s?|chef|cooks?|waiter|waitress|server|host|hostess|recepcionista|receptionist|cajer[oa]|cashier|bartender|barman|sommelier)\b",
    r"\b(?:mi|my)\s+(?:amig[oa]|friend|colega|colleague|companer[oa]|vecin[oa]|neighbou?r|jefe|jefa|boss)\s+(?:[a-z]+\s+){0,2}(?:tiene|has|hizo|made|booked|reservo)\b",
    r"(?<!mi )(?<!my )\b(?:telefono|numero|correo|email|mail|datos|phone|number|details|contact)\b.{0,30}\b(?:de la|del|of the|for the|on the) (?:reserv\w*|booking|mesa|table)\b.{0,10}\b(?:a nombre de|under|de|of)\b",
    r"\b(?:soy (?:el|la)|como|i'?m the|i am the|this is the|as the|as)\s+(?:dueno|duena|owner|manager|gerente|administrador\w*|admin|jefe|jefa)\b",
    r"\b(?:settings|configuracion|ajustes|(?:dame|give me|quiero|i want|need) (?:el |full |admin )?(?:acceso|access))\b",
    r"\b(?:set|mark|marca\w*|bloquea\w*|block|cancela\w*|anula\w*|cancel|borra\w*|elimina\w*|delete|clear|libera\w*|show|muestra\w*|mostrame|ensename|dame|give me|send me|list)\b.{0,20}\b(?:(?:todas|todos|all|every) (?:las |los |the |of the )?|(?:tonight|today)'?s |everyone'?s )(?:reservas|reservaciones|bookings?|reservations?|mesas|tables|clientes|customers)\b",
    r"\b(?:me pasas|me pasa|me pasan|me comunicas|me comunica|me comunican|transfer me|put me through)\b.{0,20}\b(?:con|to|with)\b.{0,15}\b(?:alguien|persona|humano|encargad[oa]|gerente|restaurante|local|someone|somebody|person|human|manager|staff|restaurant)\b",
    r"\b(?:alguien|someone|somebody|una persona)\b.{0,10}\b(?:con quien|to|i can|que me)\b.{0,10}\b(?:hablar|pueda hablar|talk|speak|atienda)\b",
    r"\b(?:quien|quienes|who)\b.{0,15}\b(?:tiene|tienen|has|have|is at|esta en|sits?)\b.{0,15}\b(?:reserv\w*|booking|table|mesa)\b",
    r"\b(?:phone|number|email|telefono|numero|correo|nombre|name)\b.{0,30}\b(?:table|mesa) \d+\b(?!\s*(?:personas|people|pax|guests))",
    r"(?<!mi )(?<!my )\b(?:phone|email|telefono|correo)\b.{0,25}\b(?:of|de|del)\b.{0,10}\b(?:people|persons?|personas?|gente|guests?|senor\w*|mr|mrs|ms|friend|amig[oa])\b",
    r"\byou are (?:a|an) \w+ now\b|\bahora sos\b",
    r"\b(?:from now on|de ahora en adelante|a partir de ahora|desde ahora)\b.{0,20}\b(?:answer|respond|reply|talk|speak|you|responde\w*|contesta\w*|habla\w*|eres|sos|seras)\b",
    r"\b(?:forget everything|olvida todo|olvidate de todo|olvida lo anterior|ignora lo anterior|ignore (?:the )?above)\b",
    r"\b(?:print|show|reveal|repeat|tell me|muestra\w*|mostrame|dime|revela\w*|repite)\b.{0,15}\b(?:your|tus|tu|las) (?:instructions|instrucciones|prompt|rules|reglas|system)\b",
    r"\b(?:demas clientes|los demas|otras personas|other people'?s)\b",
    r"\b(?:cambia\w*|change|modifica\w*|modify|set|update|pon\w*)\b.{0,15}\b(?:horario|hours)\b.{0,10}\b(?:del restaurante|del local|de apertura|de atencion|of the restaurant|opening)",
    r"\b(?:tell me|give me|send me|dime|dame|pasame|mandame|what is|what'?s|cual es)\b.{0,15}\b(?:phone|number|email|telefono|numero|correo|address|direccion)\b.{0,10}\b(?:of|de|del|for) (?!(?:the |el |la |su |your |tu )?(?:restaurant|restaurante|local|ustedes|you|reservas?\b|booking\b))(?:the |la |el )?\w+ (?:reservation|booking|reserva|table|mesa|family|familia)\b",
    r"\b(?:a que hora|when|what time)\b.{0,10}\b(?:viene|vienen|llega|llegan|is coming|are coming|comes|arrives?)\b",
    r"\b(?:is|has) (?:my|the|mi) \w+ (?:coming|booked)\b",
    r"\b(?:hablar|comunicar\w*|contactar\w*)\b.{0,10}\b(?:con )?(?:el |la )?(?:restaurante|local)\b",
    r"\b(?:nombres?|names?|telefonos?|phones?|numbers?|numeros?)\b.{0,10}\b(?:de las|de los|of the|on the|in the)\b.{0,10}\b(?:reservas|reservaciones|reservations|bookings|clientes|guests|customers)\b",
    r"\b(?:dame|dime|pasame|mandame|give me|tell me|send me|necesito|i need)\b.{0,10}\b(?:el |la |the |su |his |her )?(?:telefono|numero|phone|number|email|correo|whatsapp|celular|cell)\b.{0,5}\b(?:de|del|of|for) (?!(?:the |el |la |su |your |tu |mi |my )?(?:restaurant\w*|local|ustedes|you|reserv\w*|booking|confirma\w*|mesa|table|personas|people)\b)",
    r"\b(?:chica|chico|senora|senor|hombre|mujer|guy|girl|woman|man|lady|persona|personas|person|people|gente|senor\w*|cliente\w*|guests?|customers?|familia|family)\b (?:que|who|that) (?:reserv\w*|booked|has (?:a |the )?(?:booking|reservation|table)|tiene (?:la |una )?reserv\w*)",
]
CANCEL = [
    r"\b(?:cancel\w*|anula\w*|call off)\b",
    r"\bno (?:vamos a|voy a|podemos|podremos|puedo|podre|van a) (?:poder )?(?:ir|llegar|asistir)\b",
    r"\bya no (?:vamos|voy|iremos|podemos|vendremos|venimos)\b",
    r"\b(?:can'?t|cannot|won'?t) make it\b",
    r"\bwon'?t be (?:coming|able to come)\b",
]
CANCEL_TO_MOVE = (
    r"\b(?:pasar\w*|pasa(?:la|mela)|mover\w*|muev\w*|cambiar\w*|cambia(?:la|mela)|correr\w*|move|change|"
    r"reschedul\w*|rebook\w*|switch|postpone|pospon\w*|posterg\w*|aplaz\w*|reprogram\w*)\b"
    r"(?: (?:it|la|lo|the booking|la reserva|our booking|my booking))?\s+(?:al|a las|a la|para|to|for|until|"
    r"hasta)\b"
)
CANCEL_POLICY = r"\b(?:politica de cancelacion|cancellation policy|cancellation fee)\b"
CHANGE_STRONG = [
    r"\b(?:cambi\w*|modific\w*|reagend\w*|recorr\w*|amend\w*|edit|shift (?:it|my|our|the)|mover|moverla|pasarla|correrla|muev\w*|mueve|reprogram\w*|adelantar\w*|adelanta (?:la|mi|nuestra)|atrasar\w*|atrasa (?:la|mi|nuestra)|posterg\w*|pospon\w*|corre\w* (?:la|mi) reserva|pasar (?:la|mi) reserva|pas(?:a|as|es|en|an|ame|anos) (?:la|mi|nuestra) reserva|pas(?:a|e|en|ame|enme)la|pasamela|muevela|cambiala|corre(?:me)?la|aplaz\w*|canvi\w*)\b",
    r"\b(?:podemos|podriamos|puedo|podria|se puede|se podria)\b.{0,25}\b(?:mas tarde|mas temprano)\b",
    r"\b(?:pasar|pasa|pasas|correr|corre|corres|mover|mueve|mueves) (?:la|mi|nuestra) (?:reserva\w*|mesa)\b",
    r"\b(?:swap|en vez de\w*|en lugar de\w*|bring (?:it|my|our|the) (?:\w+ )?forward|change|changing|move|moving|reschedule|rebook\w*|switch|bump (?:it|my|our|the)|modify|postpone|push (?:it|back|my|our|the|to)|rather than|instead|make that|make it \d+ (?:people|persons|guests|pax)|update (?:my|the|our) (?:booking|reservation))\b",
]
CHANGE_MORE = [
    # A new party size against the booking's: "al final seremos 8", "vamos a ser 2 más", "6, no 4".
    r"\bal final\b.{0,20}\b(?:seremos|vamos a ser|somos|seriamos)\b",
    r"\b(?:seremos|vamos a ser|somos|we'?ll be|we will be|we are|there will be|there'?ll be)\s+\d+\s+(?:mas|more|menos|less|fewer)\b",
    r"\b(?:seremos|vamos a ser|somos|we'?ll be|we will be|we are)\s+\d+,? (?:no|not) \d+\b",
    r"\b(?:in the end|actually|al final|finalmente|at the end)\b.{0,15}\b(?:we'?ll be|we will be|we'?re going to be|we are going to be|seremos|vamos a ser)\b",
    r"\b(?:seremos|vamos a ser|somos|we'?ll be|we will be|we are|we'?re|we'?re going to be|we are going to be)\s+\d+(?: \w+)?,? (?:no|not) \d+\b",
    r"\b(?:me equivoque|nos equivocamos|me confundi|nos confundimos) de (?:hora|dia|fecha)\b",
    # "me equivoqué, es para el domingo", "sorry, I meant Sunday": the booking's day put right.
    r"\b(?:me equivoque|nos equivocamos|me confundi|quise decir|queria decir|i meant|we meant|i mean)\b"
    r".{0,30}\b(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|manana|hoy|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|tomorrow|today|tonight|a las|at \d|\d+ (?:personas|people))\b",
    r"\b(?:somos|seremos|vamos a ser|we'?ll be|we are|we'?re)\s+\d+\s*,?\s*(?:al final|finalmente|in the end|after all)\b",
    r"\b\d+(?: \w+){0,2},? (?:no|not|y no) \d+\b(?!:)",
    r"\b(?:party|group|grupo)\b.{0,10}\b(?:grew|has grown|is now|went (?:up|down)|increased|decreased|crecio|aumento|ahora es)\b",
    r"\b(?:dropped out|drop out|pulled out|se bajaron|se bajo|no van a venir|no vienen|no viene)\b.{0,30}\b(?:now|ahora|seremos|somos|we'?re|we are|we'?ll be)\b",
    r"\bya no (?:somos|seremos) \d+|\b(?:no|not) (?:somos|seremos|we'?re|we are) \d+,? (?:somos|seremos|sino|but|we'?re|we are)\b",
    r"\b(?:se nos (?:sumo|sumaron|unio|unieron|agrego|agregaron|bajo|bajaron)|quedamos en \d+)\b",
    r"\b(?:se suman|se unen|se bajan|se (?:suma|une|agrega|agregan) (?:\d+|alguien|una persona|uno|una))\b",
    r"\b(?:me la|nos la|la) (?:pueden|puede|podes|puedes|podrian|podria|podrias|puedo|podemos|podriamos|podre) (?:pasar|correr|mover|cambiar|adelantar|atrasar)\b",
    r"\b(?:can|could) (?:we|i)\b.{0,15}\b(?:come|arrive|be there|make it)\b.{0,20}\b(?:later|earlier)\b",
]
NOTE = r"\b(?:add|agrega\w*|anad\w*|pon\w*|put|dejar|deja) (?:a |una )?(?:note|nota|comment|comentario)\b"
CHANGE_WEAK = [
    # "¿podemos llegar a las 21:30?" said of the booking one has: a new time.
    r"\b(?:podemos|puedo|podriamos|podria|se puede|can we|could we|can i|could i)\b.{0,10}\b(?:llegar|ir|come|arrive|be there)\b.{0,10}\b(?:a las|at) \d",
    r"\b(?:\d+|alguien|someone|somebody)(?: \w+)? (?:no (?:puede|pueden|podra|podran|va a|van a) (?:venir|ir|asistir)|can'?t (?:come|make it)|won'?t (?:come|make it))\b",
    r"\b(?:dropped out|drop out|remove|quitar|quita|sacar|saca|menos|fewer|less people|(?:pueden|puede|podemos|podria|could it|can it) ser \d+|ahora es para|now it'?s for)\b",
    r"\b(?:agreg\w*|anot(?:a|e|en|ar|ame|enlo|enla|ala)\b|anad\w*|pasar|pasarla|pasamos|correr|correrla|sumar|suma\w*|add|adding|one more|1 more|1 persona mas|uno mas|una mas|ahora somos|now we are|we are now|now \d+|include|\d+ (?:mas|more)|more people|\d+ \w+ (?:mas|more)|equivoc\w*|wrong (?:day|date|time)|mistake|era para|que sea|hacer para|make it|mejor|(?<!see you )(?<!talk to you )(?<!speak to you )(?:later|earlier)|pero (?:somos|seremos|vamos a ser|vienen|ahora)|but (?:we'?re|we are|we'?ll be|now|there will be)|can it be|could it be|puede ser para|(?:an )?(?:earlier|later) time|mas temprano|another (?:day|time|date)|otro dia|otra hora|pon|poner|ponernos|ponen|put us|seat us|sentar\w*)\b",
    r"\b(?:vegan\w*|vegetarian\w*|alergi\w*|alergic\w*|allerg\w*|celiac\w*|intoleran\w*|cumple\w*|birthday|aniversario|anniversary|silla (?:para bebe|alta|de bebe|de ruedas)|high ?chair|wheelchair|torta|pastel|cake|sorpresa|surprise|nota|note|comentario|remark)\b",
]
EXISTING = (
    r"\b(?:mi reserv\w*|nuestra reserv\w*|la reserva(?:cion)?|(?:tengo|tenemos|tenia|teniamos) (?:una )?(?:reserv\w*|mesa)|"
    r"reserva (?:del|de (?:hoy|manana|esta|este|las))|"
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
    r"\b(?:hay|habra|habria|tienen|tenes|teneis|tendreis|tiene|tendran|tendrian|tendras|queda\w*|quedan)\b.{0,12}\b(?:lugar|lugares|mesa|mesas|mesita|mesitas|hueco|espacio|cupo|cupos|sitio|algo|chance)\b",
    r"\b(?:mesa mas grande|mesa grande|mesa mas larga|mesa libre|mesas libres|hay chance|alcanza)\b",
    r"\b(?:cuanto|cuanta)\b.{0,25}\bmesa\b",
    r"\b(?:do|does|would|will) (?:you|ya|u)(?: guys| all| folks)? have\b.{0,20}\b(?:room|space|tables?|spots?|availability|anything|any)\b"
    r"(?! (?:deals?|promo\w*|offers?|specials?|discounts?|vegan\w*|vegetarian\w*|gluten\w*|options?|dishes|"
    r"food|drinks?|wines?|beers?|desserts?|cocktails?|kids|children'?s))",
    r"\b(?:availability|available|any (?:tables?|room|space|spots?|openings?)|do you have (?:a )?(?:room|space|table|tables|spot|anything|any(?! (?:deals?|promo\w*|offers?|specials?|discounts?)))|(?:is|are) there (?:a |any )?(?:tables?|room|space)|biggest table|largest table|big table|how much (?:is|for|does|would)\b.{0,10}\btable|fit \d+|space for|room for|lugar para|espacio para|cupo para|free table|fully booked|full tonight|(?:estan|estaran|van a estar) (?:muy )?llenos|(?:esta|estara|va a estar) (?:muy )?llen[oa]|(?:hay|habra|is there|will there be) (?:mucha |a |any |much |a long )?(?:espera|wait)|(?:are you|is it) (?:very |too )?(?:busy|full)|how busy)\b",
]
# Asking what a booking costs or which groups fit is a question about availability.
BOOKING_PRICE = [
    r"\b(?:minimum spend|consumo minimo|how much|cuanto|cuesta|cuestan|cobran|cobra|charge|fee|cost|costs|price|deposit|deposito|garantia|sena|anticipo)\b.{0,25}\b(?:reserv\w*|book\w*|mesa|table)\b",
    r"\b(?:reserv\w*|book\w*)\b.{0,15}\b(?:cuesta|tiene costo|cobran|cobra|costs?|is free|es gratis)\b",
]
GROUPS = [
    r"\b(?:grupos?|groups?|parties)\b.{0,10}\b(?:de|of)\s+\d+|\b(?:big|large|larger) (?:groups?|parties)\b|\bgrupos (?:grandes|numerosos)\b",
    r"\bhasta cuant\w+ personas\b|\bmaxim\w* (?:de )?personas\b|\bcuant\w+ personas\b.{0,25}\b(?:caben|aceptan|entran|reciben|maximo)\b",
    r"\b(?:capacidad|capacity|aforo|accommodate|acomodar|acomodan|(?:biggest|largest|big) group|grupo mas grande|(?:can|could) you (?:seat|host|fit|take)|pueden recibir|wait for a table|espera para)\b",
    r"\b(?:openings?(?! (?:hours|times|time|days))|mesas? (?:les |te )?(?:quedan|queda)|cuant[ao]s (?:mesas|lugares))\b",
    r"\b(?:squeeze|fit us in|anything (?:open|free|left)|algo (?:libre|disponible))\b",
    r"\b(?:earliest|soonest|next available|proxima mesa|primera mesa libre|primer horario|any chance|"
    r"(?:latest|last|earliest) (?:table|time|slot)s?)\b",
    r"\b(?:how big|how large|como maximo|al maximo|max(?:imum)? (?:group|party)|private (?:events?|party|parties|dining|room)|eventos?|events?|salon privado)\b",
    r"\b(?:max\w* (?:number of )?(?:people|guests|personas)|per table|por mesa|time slots?|slots?|turnos?)\b",
    r"\bhow many (?:people|guests)\b.{0,25}\b(?:max|maximum|fit|hold|take|accept|seat)\b",
    r"\b(?:what|which|que|cuales|cual|a que)\b.{0,20}\b(?:times?|horarios?|horas?|slots?|dias|days)\b.{0,25}\b(?:free|libres?|quedan|available|left)\b",
]
POSSIBLE = r"\b(?:is|would|will|es|seria|sera)\b.{0,30}\b(?:possible|posible)\b|\b(?:possible|posible)\s*\?"
# Whether one needs to book at all ("¿se puede ir sin reserva?", "do you take walk-ins?").
NEED_BOOKING = r"\b(?:esta (?:todo |muy )?llen[oa]|estan (?:todo |muy )?llenos|are you (?:all )?(?:full|booked up)|fully booked|taking (?:bookings|reservations)|tomando reservas|aceptando reservas|accepting (?:bookings|reservations)|toman reservas|(?:take|accept) (?:bookings|reservations)|sin reserv\w*|walk.?ins?|without (?:a )?(?:reservation|booking)|hay que reservar|tengo que reservar|se necesita reserv\w*|es necesario reservar|need (?:a )?(?:reservation|booking)|need to (?:book|reserve)|do you take (?:reservations|bookings)|aceptan reservas|toman reservas)\b"
# "Gracias, la comida estuvo deliciosa": thanks for a visit gone by name dishes but ask nothing.
THANKS_FOR_A_VISIT = (
    r"^(?=.*\b(?:gracias|thanks|thank you|thx)\b)(?!.*\?)"
    r"(?=.*\b(?:estuvo|estuvieron|fue|was|were|loved|nos encanto|me encanto)\b)"
)
# "quería saber si tienen mesa", "wondering if you have room": a question, even after "quisiera".
ASKS_WHETHER_FREE = (
    r"\b(?:(?:saber|ver|consultar|preguntar|decir|confirmar|fijar|revisar|chequear|averiguar)(?:me|te|le|"
    r"nos|se)? si|if|whether)\s+(?:ustedes\s+|you\s+(?:guys\s+)?)?"
    r"(?:hay|habra|habria|tienen|tendran|tendrian|tenes|teneis|queda\w*|have|has|there(?:'s| is| are)|"
    r"would have|will have)\b.{0,20}\b(?:mesas?|lugar\w*|espacio|cupos?|sitio|room|space|tables?|spots?|"
    r"availability|disponib\w*)\b|"
    r"\b(?:mesas?|mesitas?|lugar\w*|terraza|patio|barra|tables?|terrace|spots?|sitio|espacio)\s+"
    r"(?:\w+\s+)?(?:libres?|free)\b(?! of charge)|"
    r"\b(?:esta|estan|queda|quedan|is|are)\s+(?:libres?|free)\s+(?:la |el |las |los |the |a |any )?"
    r"(?:mesas?|terraza|patio|barra|tables?|terrace|spots?|sitio|espacio)\b"
)
# Questions about when the kitchen or the room opens and closes, even with "reservar" in them.
HOURS_FIRST = (
    r"\b(?:hasta que hora|till what time|until what time|how late|a que hora (?:abren|cierran|abre|"
    r"cierra)|what time do you (?:open|close)|last (?:seating|orders?|call|sitting)|ultimo turno|"
    r"ultima (?:reserva|mesa)|trabaj(?:an|ais) (?:los|el|hoy|manana|en|on)|(?:abren|atienden|trabajan) "
    r"(?:en |los |el )?feriados?)\b"
)
BOOK_WEAK = [
    r"\b(?:reserv\w*|book\w*|mesa para|table for|pax|party of|apart\w*|agend\w*)\b",
    r"\b(?:somos|we are|we're) \d+",
]
OUT_OF_SCOPE = [
    r"\b(?:estacionamiento|parqueadero|parqueo|aparcamiento|parking|park|valet|cochera)\b",
    r"\b(?:tarjeta|tarjetas|efectivo|credit card|debit|card|cards|cash|transferencia|transfer|mercado pago|paypal|visa|mastercard|amex|pagar con|pay with|payment|pago)\b",
    r"\b(?:wifi|wi-fi|mascota\w*|perro\w*|pet|pets|dog|dogs|delivery|domicilio|a domicilio|para llevar|takeaway|take away|factura|invoice|receipt|recibo|ubicacion|direccion|donde quedan|donde estan|address|where are you|location|dress code|codigo de vestimenta)\b",
    r"\b(?:corkage|descorche|propio vino|own wine|byob|bring (?:my|our) own|zona de fumadores|fumar|smoking|musica en vivo|live music)\b",
    CANCEL_POLICY,
]
# "What time is dinner served?", "when does brunch start?": when, not what.
MEAL_HOURS = (
    r"\b(?:what time|when)\b.{0,12}\b(?:dinner|lunch|breakfast|brunch|service|happy hour|the kitchen)\b"
    r".{0,12}\b(?:served|start\w*|begin\w*|end\w*|finish\w*|open\w*|clos\w*)\b"
)
HOURS = [
    r"\b(?:horario\w*|abren|abre|abrir|abrira\w*|abrieron|abiertos?|abierta|cierran|cierra|cerrar|cerrado|cerrados|atienden|atiende|atendiendo|open|opening|opens|close|closing|closes|closed|hours|hrs)\b",
    # Spain's "vosotros": "¿abrís el martes?", "¿cerráis en agosto?", "¿atendéis el domingo?".
    r"\b(?:abris|abrireis|cerrais|cerrareis|atendeis|atendereis|trabajais)\b",
    MEAL_HOURS,
    r"\b(?:do you (?:do|serve|have) (?:lunch|dinner|breakfast|brunch) (?:on|at|every|during)|the latest we can|"
    r"(?:what time|until when|till when) can (?:we|i) (?:come|arrive|get there)|lo mas tarde que|"
    r"hasta cuando (?:atienden|abren|se puede))\b",
]
MENU = [
    r"\b(?:menu|carta|plato\w*|comida|comidas|food|dish\w*|vegan\w*|vegetarian\w*|veggie|gluten|celiac\w*|keto|halal|kosher|alergen\w*|allergen\w*|alergic\w*|frutos secos|opcion\w* (?:para|sin|de)|options? for|postre\w*|dessert\w*|vino\w*|wine\w*|bebida\w*|drink\w*|trago\w*|cocktail\w*|coctel\w*|cerveza\w*|beer\w*|precio\w*|price\w*|cuesta|cuestan|how much|especialidad\w*|specialt\w*|recomienda\w*|recommend\w*|ceviche|pizza\w*|pasta\w*|tacos?|empanada\w*|paella|steak|carne|pescado|fish|mariscos|seafood|pollo|chicken|hamburguesa\w*|burger\w*|ensalada\w*|salad\w*|sopa\w*|soup\w*|lactosa|lactose|nueces|nuts|mani|peanut\w*|brunch|desayuno\w*|breakfast)\b",
    r"\bque (?:trae|lleva|incluye) (?:el|la|los|las)\b",
    # "vale" is the price asked ("¿cuánto vale el ceviche?"), or Spain's "OK".
    r"\b(?:cuanto|que|lo que) (?:vale|valen)\b|\b(?:vale|valen) (?:el|la|los|las|un|una)\b",
    r"\b(?:what'?s|what is) in (?:the|your)\b|\b(?:promocion\w*|promos?|deals?|happy hour|2x1)\b",
    r"\b(?:salmon|atun|tuna|camarones|shrimps?|prawns?|langostinos?|pulpo|octopus|calamar\w*|squid|"
    r"cordero|lamb|cerdo|pork|beef|bife|entrana|asado|churrasco|milanesa\w*|tortillas?|arepas?|tamal\w*|"
    r"mole|pozole|enchiladas?|quesadillas?|burritos?|nachos|guacamole|papas fritas|fries|chips|arroz|rice|"
    r"frijoles|beans|queso|cheese|bread|helados?|ice cream|flan|tiramisu|tea|leche|milk|verduras|"
    r"vegetables|hongos|mushrooms?|nut|nut-free|porcion\w*|portions?|botellas?|bottles?|sandwich\w*|"
    r"ramen|curry|poke|gnocchi|noquis|lasagna|lasana|ravioles|ravioli|mariscos|wings|alitas|costillas|ribs)\b",
    r"\b(?:jugos?|juices?|cafe|coffee|refrescos?|dairy|lacteos|tacc|specials?|comer|to eat|alcohol\w*|serve|sirven|parrillada|guarnicion\w*|acompanamiento\w*|side dish\w*|sides|cocina|cuisine|set lunch|set menu|lunch special|tasting|degustacion|ingrediente\w*|ingredient\w*|picante|spicy|sushi|lomo|risotto|entrada\w*|starters?|appetizers?|platillo\w*)\b",
]
# A meal named as the occasion of a visit ("una mesa el jueves para comer", "para cenar, a las
# diez", "brunch on Sunday for 4"): Spain's "comer" and "comida" are lunch. Said with a day, an
# hour, a party or a table, and with no other word of the menu, it asks for a table.
MEAL_OCCASION = (
    r"\b(?:(?:para|a|de) )?(?:comer|cenar|almorzar|desayunar|merendar)\b|"
    r"(?:^|\b(?:para|a|de) )(?:(?:la|el|una|un) )?(?:almuerzo|cena|comida|desayuno|merienda|brunch)\b|"
    r"(?:^|\b(?:for|to have|to eat|at) )(?:lunch|dinner|brunch|breakfast|supper)\b"
)
TABLE_WORDS = r"\b(?:mesa|mesita|table|lugar|sitio|spot|seats?)\b"
# "¿Qué hay para comer el domingo?", "what's for dinner tonight?": what is served, not a table;
# "thanks for dinner": a visit gone by; "¿puedo llevar comida para el bebé?": food brought along.
ASKS_WHAT = (
    r"\b(?:que|what|which)\s+(?:\w+\s+){0,2}?(?:hay|tienen|tenes|teneis|tiene|ofrecen|sirven|dan|"
    r"recomienda\w*|es|son|trae|traen|lleva|llevan|incluye|incluyen|have|has|serve|is|are|do|does|"
    r"comes?|includes?)\b|\bwhat'?s\b|\b(?:thanks|thank you|thx|gracias)\b|"
    r"\b(?:llevar|traer|bring|take away|to go)\b"
)
DIET_QUESTION = (
    r"\b(?:tienen|tenes|hay|do you have|do you offer|is there|are there|any|ofrecen|manejan)\b.{0,30}"
    r"\b(?:vegan\w*|vegetarian\w*|gluten|celiac\w*|keto|halal|kosher|opcion\w*|options?)\b"
)


def _meal_is_the_occasion(text: str, stated: bool) -> bool:
    """Whether the menu's only words in the message name the meal a table is wanted for."""
    if not re.search(MEAL_OCCASION, text) or re.search(ASKS_WHAT, text):
        return False
    if _any(MENU, re.sub(MEAL_OCCASION, " ", text)):
        return False
    return stated or bool(re.search(TABLE_WORDS, text))


def intent_of(text: str, raw_lower: str, has_details: bool, stated: bool = False) -> str:
    """The first intent whose words the message has, in order of priority; ``stated`` tells
    whether a day, an hour (even an ambiguous one) or a party is stated."""
    if _any(HUMAN, text):
        return "human"
    if _any(CANCEL, text) and not re.search(CANCEL_POLICY, text):
        if _any(CHANGE_STRONG, text) and re.search(
            r"\b(?:en vez|en lugar|instead|y reserv\w*|and book)\b", text
        ):
            return "change"
        # "no vamos a poder el sábado, ¿podemos pasarla al domingo?": the booking is moved.
        if re.search(CANCEL_TO_MOVE, text):
            return "change"
        # "cancela la del viernes y hazme una para el sábado": the booking is replaced.
        if re.search(
            r"\b(?:y|and) (?:hazme|haceme|hacerme|hagan|dame|ponme|make|get|book|rebook|reserv\w*|agend\w*)"
            r"\b.{0,25}\b(?:una|otra|one|another|new|nueva|para|for)\b",
            text,
        ):
            return "change"
        return "cancel"
    existing = bool(
        re.search(EXISTING, text)
        or re.search(r"\breservé\b|\b(?:ya|yo|ayer|les|le|que) reserve\b", raw_lower)
    )
    if _any(CHANGE_STRONG, text) and not re.search(
        r"\b(?:cambio|change)\b.{0,10}\b(?:efectivo|cash|money|dinero|vuelto)\b", text
    ):
        return "change"
    if existing and _any(CHANGE_WEAK, text) and not re.search(DIET_QUESTION, text):
        return "change"
    if re.search(LATE, text) and not has_details:
        return "other"
    if _any(CHANGE_MORE, text) or (re.search(NOTE, text) and not _any(BOOK_STRONG, text)):
        return "change"
    if (_any(BOOKING_PRICE, text) or re.search(NEED_BOOKING, text)) and not re.search(
        CANCEL_POLICY, text
    ):
        return "availability"
    if re.search(HOURS_FIRST, text) or re.search(MEAL_HOURS, text):
        return "hours"
    if re.search(ASKS_WHETHER_FREE, text):
        return "availability"
    if _any(BOOK_STRONG, text):
        return "book"
    if re.search(THANKS_FOR_A_VISIT, text) and not has_details:
        return "other"
    if _any(MENU, text) and re.search(
        r"\b(?:tienen|tenes|teneis|hay|tiene) algo\b|\b(?:specials?|platos? del dia|dish of the day)\b|\b(?:anything|something) for\b|\bdo you have (?:a |any )?\w+ (?:menu|options?|food|dishes)\b",
        text,
    ):
        return "menu"
    # A short follow-up ("¿y a las 22 tienen?", "mesa para 2 hoy, ¿hay?", "sábado 21h para 4, ¿se puede?").
    short_question = re.search(
        r"^y\b.{0,30}\b(?:hay|tienen|tenes|teneis)\b|\b(?:hay|tienen|tenes|teneis)\s*\?*$", text
    ) and not any(_any(words, text) for words in (MENU, OUT_OF_SCOPE, HOURS, [r"\bhorario\w*"]))
    can_it_be = has_details and re.search(r"\bse puede\s*\?*$", text)
    possible = re.search(POSSIBLE, text) and (
        has_details or re.search(r"\b(?:table|mesa|lugar|room|space|espacio)\b", text)
    )
    follow_up = short_question or can_it_be or possible
    if re.search(r"\b(?:menu|plato\w*|dish\w*)\b.{0,20}\b(?:available|disponible)", text):
        return "menu"
    if _any(AVAILABILITY, text) or _any(GROUPS, text) or follow_up:
        return "availability"
    if _any(BOOK_WEAK, text) and not (existing and not has_details):
        return "book"
    if _any(OUT_OF_SCOPE, text):
        return "other"
    if _any(HOURS, text) or re.search(r"\b(?:a|hasta|desde) que hora\b|\bwhat time do you\b", text):
        return "hours"
    if _any(MENU, text):
        return "book" if _meal_is_the_occasion(text, stated) else "menu"
    if has_details or _meal_is_the_occasion(text, stated):
        return "book"
    return "other"
