import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from restaurants import services, transfer


class Command(BaseCommand):
    help = (
        "Create a restaurant from an archive of restaurant_export, in one transaction: "
        "a failed import leaves nothing behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--slug", help="Import under this slug (and its host) instead of the archive's."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            with open(options["archive"], "rb") as archive:
                result = transfer.restaurant_import(source=archive, slug=options["slug"])
        except OSError as error:
            raise CommandError(f"Cannot read {options['archive']}: {error.strerror}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except DatabaseError as error:
            raise CommandError(f"The import failed and changed nothing: {error}") from None
        restaurant = result.restaurant
        domain = services.restaurant_domain_for(restaurant.slug)
        for row in result.skipped:
            self.stdout.write(
                self.style.WARNING(f"Not imported, kept by another restaurant: {row}")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {restaurant.name} at http://{domain}/: {result.tables} tables, "
                f"{result.rows} rows in {time.monotonic() - started:.1f} s."
            )
        )
