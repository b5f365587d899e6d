"""Compute the daily roll-ups of past days, for every restaurant or one."""

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, tenant_context

from analytics import services
from restaurants.models import Restaurant


class Command(BaseCommand):
    help = "Compute the daily roll-ups of the last N service days (every restaurant, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365, help="How many days, today included.")
        parser.add_argument("--restaurant", metavar="SLUG", help="Only this restaurant.")

    def handle(self, *args, days: int, restaurant: str | None, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        restaurants = Restaurant.objects.exclude(schema_name=get_public_schema_name()).order_by(
            "slug"
        )
        if restaurant:
            restaurants = restaurants.filter(slug=restaurant)
            if not restaurants.exists():
                raise CommandError(f"No restaurant '{restaurant}'.")
        for each in restaurants:
            with tenant_context(each):
                written = services.daily_rollups_backfill(days=days)
            self.stdout.write(f"{each.slug}: {written} day(s)")
