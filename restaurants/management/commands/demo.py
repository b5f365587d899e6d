from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context, tenant_context

from reservations import services as reservation_services
from restaurants import roles, services
from restaurants.models import Plan

DEMO_PASSWORD = "comensal-demo"
OPERATOR_EMAIL = "admin@comensal.localhost"
MANAGER_EMAIL = "gerente@salon.localhost"
CASHIER_EMAIL = "caja@salon.localhost"
DEMO_TABLES = [
    # code, min, max, area
    ("M01", 1, 2, "interior"),
    ("M02", 1, 2, "interior"),
    ("M03", 2, 4, "interior"),
    ("M04", 2, 4, "interior"),
    ("M05", 4, 6, "interior"),
    ("T01", 2, 4, "terrace"),
    ("T02", 2, 4, "terrace"),
    ("T03", 6, 10, "terrace"),
    ("V01", 4, 8, "vip"),
    ("B01", 1, 2, "bar"),
]


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
            manager_email=MANAGER_EMAIL,
            manager_password=DEMO_PASSWORD,
        )
        with tenant_context(restaurant):
            roles.roles_sync()
            services.staff_user_ensure(
                email=CASHIER_EMAIL, password=DEMO_PASSWORD, role=roles.CASHIER
            )
            for code, min_capacity, max_capacity, area in DEMO_TABLES:
                reservation_services.table_ensure(
                    code=code, min_capacity=min_capacity, max_capacity=max_capacity, area=area
                )

        port = options["port"]
        base = settings.TENANT_BASE_DOMAIN
        self.stdout.write(
            "\n".join(
                [
                    f"Demo restaurant {'created' if created else 'ready'}: {restaurant.name}",
                    f"  Restaurant admin  http://salon.{base}:{port}/admin/",
                    f"    manager  {MANAGER_EMAIL} / {DEMO_PASSWORD}",
                    f"    cashier  {CASHIER_EMAIL} / {DEMO_PASSWORD}",
                    f"  Platform admin    http://{base}:{port}/admin/",
                    f"    operator {OPERATOR_EMAIL} / {DEMO_PASSWORD}",
                ]
            )
        )
