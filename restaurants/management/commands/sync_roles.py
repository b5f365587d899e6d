from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from restaurants.models import Restaurant
from restaurants.roles import roles_sync


class Command(BaseCommand):
    help = "Give every restaurant's Manager and Cashier groups exactly their declared permissions."

    def handle(self, *args, **options):
        for restaurant in Restaurant.objects.all():
            with tenant_context(restaurant):
                roles_sync()
        self.stdout.write("Roles synchronised.")
