from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context, tenant_context

from booking.demo import seed_restaurant
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
            added = seed_restaurant()

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
                    f"  Restaurant admin  http://salon.{base}:{port}/admin/",
                    f"    manager  {MANAGER_EMAIL} / {DEMO_PASSWORD}",
                    f"    cashier  {CASHIER_EMAIL} / {DEMO_PASSWORD}",
                    f"  Platform admin    http://{base}:{port}/admin/",
                    f"    operator {OPERATOR_EMAIL} / {DEMO_PASSWORD}",
                ]
            )
        )
