"""Each restaurant's numbers (its Twilio senders, its Meta phone number id) into the public
table of inbound numbers, from the messaging settings saved before the table existed."""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)


def inbound_numbers_fill(apps, schema_editor):
    # Run in each restaurant's schema; the public tables are reached through the search path.
    MessagingSettings = apps.get_model("notifications", "MessagingSettings")
    InboundNumber = apps.get_model("restaurants", "InboundNumber")
    Restaurant = apps.get_model("restaurants", "Restaurant")
    schema_name = schema_editor.connection.schema_name
    restaurant = Restaurant.objects.filter(schema_name=schema_name).first()
    messaging = MessagingSettings.objects.first()
    if restaurant is None or messaging is None:
        return
    numbers = {("twilio", number) for number in (messaging.whatsapp_from, messaging.sms_from)}
    numbers.add(("meta", messaging.meta_phone_number_id))
    for provider, address in sorted(numbers):
        if not address:
            continue
        taken = InboundNumber.objects.filter(provider=provider, address=address).first()
        if taken is None:
            InboundNumber.objects.create(provider=provider, address=address, restaurant=restaurant)
        elif taken.restaurant_id != restaurant.pk:
            # Two restaurants set the same number: the first keeps it; saving the other's
            # settings will say so.
            logger.warning(
                "inbound number kept by another restaurant provider=%s number=%s schema=%s",
                provider,
                address,
                schema_name,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_message_provider_id_longer"),
        ("restaurants", "0002_inboundnumber"),
    ]

    operations = [migrations.RunPython(inbound_numbers_fill, migrations.RunPython.noop)]
