"""Provisioning restaurants from the command line, and the demo restaurant."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from analytics.models import DailyRollup
from menu.models import Category, Dish
from reservations.models import Reservation, Table
from reservations.selectors import availability_for_day
from restaurants.models import Domain, Restaurant
from restaurants.roles import CASHIER, MANAGER

PROVISION = {
    "name": "La Terraza",
    "slug": "la-terraza",
    "plan": "enterprise",
    "timezone": "America/Bogota",
    "currency": "COP",
    "language": "es",
    "country": "co",
    "manager_email": "Gerente@LaTerraza.test",
    "manager_password": "Arepas-con-queso-7",
}


def provision(**overrides):
    options = {**PROVISION, **overrides}
    arguments = []
    for key, value in options.items():
        arguments += [f"--{key.replace('_', '-')}", value]
    call_command("provision", *arguments)


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM information_schema.schemata")
        return {row[0] for row in cursor.fetchall()}


def schema_exists(name: str) -> bool:
    return name in schemas()


def test_provision_creates_the_restaurant_its_host_and_its_manager(db, capsys):
    provision()

    restaurant = Restaurant.objects.get(slug="la-terraza")
    assert (restaurant.plan, restaurant.currency, restaurant.timezone, restaurant.country) == (
        "enterprise",
        "COP",
        "America/Bogota",
        "CO",
    )
    assert schema_exists("la_terraza")
    assert Domain.objects.get(tenant=restaurant).domain == "la-terraza.localhost"
    with tenant_context(restaurant):
        manager = User.objects.get(username="gerente@laterraza.test")
        assert manager.is_staff and not manager.is_superuser
        assert manager.check_password("Arepas-con-queso-7")
        assert list(manager.groups.values_list("name", flat=True)) == [MANAGER]
    assert "http://la-terraza.localhost/" in capsys.readouterr().out


def test_provision_twice_changes_nothing(db, capsys):
    provision()
    with tenant_context(Restaurant.objects.get(slug="la-terraza")):
        password_hash = User.objects.get().password

    provision(manager_password="Otra-clave-distinta-9", plan="basic")

    restaurant = Restaurant.objects.get(slug="la-terraza")
    assert restaurant.plan == "enterprise"
    assert Restaurant.objects.filter(slug="la-terraza").count() == 1
    assert Domain.objects.filter(tenant=restaurant).count() == 1
    with tenant_context(restaurant):
        assert User.objects.get().password == password_hash
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("LaTerraza", "minúsculas, dígitos o guiones"),
        ("la terraza", "minúsculas, dígitos o guiones"),
        ("public", "está reservado por la plataforma"),
        ("casa-azul", "ya pertenece al restaurante «Casa Azul»"),
    ],
)
def test_provision_refuses_a_bad_slug_and_creates_nothing(db, slug, message):
    restaurants_before = list(Restaurant.objects.values_list("slug", "name"))
    domains_before = Domain.objects.count()
    schemas_before = schemas()

    with pytest.raises(CommandError, match=message):
        provision(slug=slug)

    assert list(Restaurant.objects.values_list("slug", "name")) == restaurants_before
    assert Domain.objects.count() == domains_before
    assert schemas() == schemas_before


def test_provision_refuses_a_country_without_known_holidays_and_creates_nothing(db):
    with pytest.raises(CommandError, match="«XX» no es un código de país"):
        provision(country="xx")

    assert not Restaurant.objects.filter(slug="la-terraza").exists()
    assert not schema_exists("la_terraza")


def test_provision_refuses_a_weak_password_and_creates_nothing(db):
    with pytest.raises(CommandError, match="manager_password"):
        provision(manager_password="1234")

    assert not Restaurant.objects.filter(slug="la-terraza").exists()
    assert not schema_exists("la_terraza")


def next_open_day():
    # The demo is closed on Mondays; any other day ahead has service.
    day = timezone.localdate() + datetime.timedelta(days=2)
    return day if day.weekday() != 0 else day + datetime.timedelta(days=1)


def test_demo_creates_the_salon_with_manager_cashier_and_tables(db, settings, capsys):
    settings.DEBUG = True

    call_command("demo", "--history-days", "30")  # a year by default: the same, only longer

    salon = Restaurant.objects.get(slug="salon")
    assert salon.name == "Le Salon de Lumière"
    with tenant_context(salon):
        roles = dict(User.objects.values_list("username", "groups__name"))
        assert roles == {"gerente@salon.localhost": MANAGER, "caja@salon.localhost": CASHIER}
        assert Table.objects.count() == 10
        assert Category.objects.count() == 6
        assert Dish.objects.count() == 24
        now = timezone.now()
        assert Reservation.objects.filter(starts_at__lt=now).count() > 300
        assert Reservation.objects.filter(starts_at__gte=now).count() > 40
        assert availability_for_day(day=next_open_day(), party_size=2).slots
        assert DailyRollup.objects.filter(covers_seated__gt=0).count() > 20
    with schema_context("public"):
        assert User.objects.get(username="admin@comensal.localhost").is_superuser
    output = capsys.readouterr().out
    assert "History: " in output and " paid notes over " in output
    assert "http://salon.localhost:8000/admin/" in output
    assert "gerente@salon.localhost / comensal-demo" in output


def test_demo_has_paid_finalised_and_voided_notes_and_a_cash_report_that_adds_up(db, settings):
    from billing.models import ConsumptionNote
    from billing.selectors import cash_report

    settings.DEBUG = True

    call_command("demo", "--history-days", "14")

    with tenant_context(Restaurant.objects.get(slug="salon")):
        statuses = set(ConsumptionNote.objects.values_list("status", flat=True))
        assert {"paid", "finalised", "voided"} <= statuses
        methods = set(ConsumptionNote.objects.values_list("payment_method", flat=True))
        assert {"cash", "card", "mixed"} <= methods
        last_day = ConsumptionNote.objects.latest("service_day").service_day
        report = cash_report(day=last_day)
        assert report.paid and report.voided and report.open_count == 1
        assert report.total == sum(note.total for note in report.paid)
        assert report.total == sum(line.total for line in report.by_method)
        assert report.total == sum(line.total for line in report.tenders)
        assert report.total == report.subtotal + report.tax - report.discount


def test_demo_twice_changes_nothing(db, settings, capsys):
    from billing.models import ConsumptionNote

    settings.DEBUG = True
    call_command("demo", "--no-history")  # the fast start: the book's 90 days, no year
    salon = Restaurant.objects.get(slug="salon")
    with tenant_context(salon):
        before = list(User.objects.order_by("pk").values_list("username", "password"))
        tables_before = list(Table.objects.values_list("code", "reservation_price"))
        book_before = Reservation.objects.count()
        notes_before = list(ConsumptionNote.objects.values_list("number", "status", "total"))

    call_command("demo", "--no-history")

    assert Restaurant.objects.filter(slug="salon").count() == 1
    with tenant_context(salon):
        assert list(User.objects.order_by("pk").values_list("username", "password")) == before
        assert list(Table.objects.values_list("code", "reservation_price")) == tables_before
        assert Reservation.objects.count() == book_before
        assert (
            list(ConsumptionNote.objects.values_list("number", "status", "total")) == notes_before
        )
    assert "Demo restaurant ready" in capsys.readouterr().out


def test_demo_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo")
    assert not Restaurant.objects.filter(slug="salon").exists()


def test_schedule_installs_the_jobs_once_and_keeps_the_operators_changes(db):
    from django_celery_beat.models import PeriodicTask

    call_command("schedule")
    activation = PeriodicTask.objects.get(name="comensal: activate")
    activation.enabled = False
    activation.save()
    call_command("schedule")

    tasks = PeriodicTask.objects.filter(name__startswith="comensal: ")
    assert sorted(tasks.values_list("args", flat=True)) == sorted(
        [
            '["activate"]',
            '["alerts"]',
            '["metrics"]',
            '["cleanup"]',
            '["reminders"]',
            '["outbox"]',
            '["chats"]',
            '["forecast"]',
        ]
    )
    assert set(tasks.values_list("task", flat=True)) == {"restaurants.dispatch"}
    assert PeriodicTask.objects.get(name="comensal: activate").enabled is False
    assert PeriodicTask.objects.get(name="comensal: activate").interval.every == 1
