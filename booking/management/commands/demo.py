import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context, tenant_context

from booking.demo import seed_restaurant
from booking.demo_history import HISTORY_DAYS
from restaurants import roles, services
from restaurants.models import Plan

DEMO_PASSWORD = "comensal-demo"
OPERATOR_EMAIL = "admin@comensal.localhost"
MANAGER_EMAIL = "gerente@salon.localhost"
CASHIER_EMAIL = "caja@salon.localhost"


class Command(BaseCommand):
    help = "Create the demo restaurant 'Le Salon de Lumière' with its staff. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--history-days",
            type=int,
            default=HISTORY_DAYS,
            help=f"days of past service to seed before today (default {HISTORY_DAYS})",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="no past year, for a fast start: the book's last 90 days stand for it",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo creates well-known passwords; it runs only with DJANGO_DEBUG=true."
            )
        User = get_user_model()
        with schema_context("public"):
            operator, operator_created = User.objects.get_or_create(
                username=OPERATOR_EMAIL,
                defaults={"email": OPERATOR_EMAIL, "is_staff": True, "is_superuser": True},
            )
            if operator_created:
                operator.set_password(DEMO_PASSWORD)
                operator.save(update_fields=["password"])

        restaurant, created = services.restaurant_provision(
            name="Le Salon de Lumière",
            slug="salon",
            plan=Plan.PREMIUM,
            timezone="America/Mexico_City",
            currency="USD",
            language="es",
            country="MX",
            manager_email=MANAGER_EMAIL,
            manager_password=DEMO_PASSWORD,
        )
        with tenant_context(restaurant):
            roles.roles_sync()
            services.staff_user_ensure(
                email=CASHIER_EMAIL, password=DEMO_PASSWORD, role=roles.CASHIER
            )
            history_days = 0 if options["no_history"] else max(0, options["history_days"])
            started = time.monotonic()
            added = seed_restaurant(history_days=history_days)
            took = time.monotonic() - started

        port = options["port"]
        base = settings.TENANT_BASE_DOMAIN
        self.stdout.write(
            "\n".join(
                [
                    f"Demo restaurant {'created' if created else 'ready'}: {restaurant.name}"
                    + (
                        f" (added {added['reservations']} reservations)"
                        if added["reservations"]
                        else ""
                    ),
                    *(
                        [
                            f"  History: {added['history']} past reservations and "
                            f"{added['history_notes']} paid notes over {added['history_days']} "
                            f"service days, {added['rollups']} daily roll-ups, "
                            f"{added['forecasts']} forecast rows (seeded in {took:.1f} s)"
                        ]
                        if added["history"]
                        else []
                    ),
                    f"  Restaurant admin  http://salon.{base}:{port}/admin/",
                    f"    manager  {MANAGER_EMAIL} / {DEMO_PASSWORD}",
                    f"    cashier  {CASHIER_EMAIL} / {DEMO_PASSWORD}",
                    f"  Platform admin    http://{base}:{port}/admin/",
                    f"    operator {OPERATOR_EMAIL} / {DEMO_PASSWORD}",
                ]
            )
        )
