import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from restaurants import transfer


class Command(BaseCommand):
    help = (
        "Write one restaurant (its schema and the public rows it needs) to a zip archive, "
        "read from one consistent snapshot; restaurant_import reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "-o", "--output", help="The archive to write (default: <slug>-<UTC time>.zip)."
        )

    def handle(self, *args, **options):
        path = Path(options["output"] or transfer.archive_name(options["slug"]))
        started = time.monotonic()
        try:
            manifest = transfer.restaurant_export(slug=options["slug"], destination=path)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {manifest['slug']} to {path}: {len(manifest['tables'])} tables, "
                f"{rows} rows, {path.stat().st_size} bytes in {time.monotonic() - started:.1f} s."
            )
        )
