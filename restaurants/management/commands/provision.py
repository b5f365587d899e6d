from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from restaurants import services
from restaurants.models import Language, Plan


class Command(BaseCommand):
    help = "Create a restaurant (schema, host and first manager). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--plan", default=Plan.BASIC, choices=Plan.values)
        parser.add_argument("--timezone", default="America/Mexico_City")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--language", default=Language.SPANISH, choices=Language.values)
        parser.add_argument(
            "--country", default="", help="ISO code whose public holidays shape the forecast."
        )
        parser.add_argument("--manager-email", required=True)
        parser.add_argument("--manager-password", required=True)

    def handle(self, *args, **options):
        try:
            restaurant, created = services.restaurant_provision(
                name=options["name"],
                slug=options["slug"],
                plan=options["plan"],
                timezone=options["timezone"],
                currency=options["currency"],
                language=options["language"],
                country=options["country"],
                manager_email=options["manager_email"],
                manager_password=options["manager_password"],
            )
        except ValidationError as error:
            raise CommandError(_format_errors(error)) from None
        domain = services.restaurant_domain_for(restaurant.slug)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {restaurant.name} at http://{domain}/"))
        else:
            self.stdout.write(
                f"{restaurant.name} already exists at http://{domain}/; nothing changed."
            )


def _format_errors(error: ValidationError) -> str:
    return "; ".join(
        f"{field}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )
