"""One restaurant's data out to an archive and back in: every row, its ids, its hosts."""

import datetime as dt
import hashlib
import io
import json
import threading
import zipfile
import zoneinfo
from decimal import Decimal

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.utils import translation
from django_tenants.utils import schema_context, tenant_context
from psycopg import sql

from analytics.models import AlertKind, AlertSeverity
from analytics.services import alert_raise, daily_rollup_compute
from assistant.models import Conversation, ConversationMessage, Direction
from billing.services import note_charge, note_finalise, note_issue, note_line_add
from booking.services.bookings import booking_transition
from booking.services.pre_orders import booking_pre_order_add
from reservations.models import Customer, Reservation, ReservationSource, ReservationStatus
from restaurants import transfer
from restaurants.models import Domain, InboundNumber, InboundProvider, Restaurant
from restaurants.services import restaurant_domain_for
from tests.conftest import manage
from tests.factories import CustomerFactory, DishFactory, TableFactory, book, open_every_day

MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
NOW = dt.datetime(2030, 3, 4, 10, 0, tzinfo=MEXICO)
EVENING = dt.datetime(2030, 3, 5, 20, 0, tzinfo=MEXICO)
COPY = "casa-azul-copia"


def schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def every_row(schema_name: str, cursor=None) -> dict[str, list[str]]:
    """Every row of every table of the schema (all columns, as PostgreSQL writes them), read
    through ``cursor`` (another database's) or this test's connection."""
    if cursor is None:
        with connection.cursor() as cursor:
            return every_row(schema_name, cursor)
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema_name]
    )
    tables = [name for (name,) in cursor.fetchall() if name not in transfer.SKIPPED_TABLES]
    rows = {}
    for table in tables:
        cursor.execute(
            sql.SQL("SELECT row_.*::text FROM {} AS row_ ORDER BY 1").format(
                sql.Identifier(schema_name, table)
            )
        )
        rows[table] = [text for (text,) in cursor.fetchall()]
    return rows


def exported(slug: str) -> io.BytesIO:
    archive = io.BytesIO()
    transfer.restaurant_export(slug=slug, destination=archive)
    archive.seek(0)
    return archive


def rewritten(archive: io.BytesIO, *, manifest=None, tables: dict[str, bytes] | None = None):
    """The archive with its manifest changed by ``manifest(dict)`` or some tables replaced."""
    tables = tables or {}
    changed = io.BytesIO()
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(changed, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == transfer.MANIFEST and manifest:
                content = json.loads(data)
                manifest(content)
                data = json.dumps(content).encode()
            target.writestr(name, tables.get(name, data))
    changed.seek(0)
    return changed


def nothing_left_of(slug: str) -> bool:
    with schema_context("public"):
        return (
            not schema_exists(Restaurant.schema_name_for(slug))
            and not Restaurant.objects.filter(slug=slug).exists()
            and not Domain.objects.filter(domain__startswith=f"{slug}.").exists()
        )


@pytest.fixture
def busy_restaurant(restaurant_a):
    """Casa Azul after a real evening: web and staff bookings, pre-orders, a note charged,
    a status history, an alert, a chat, a day's roll-up, a custom host and a phone number."""
    with tenant_context(restaurant_a):
        open_every_day("12:00", "01:00", max_days_ahead=365)
        table = TableFactory(code="M01", max_capacity=4)
        TableFactory(code="T02", max_capacity=6, area="terraza")
        mole = DishFactory(name="Mole poblano", price=Decimal("18.50"), stock=20)
        beer = DishFactory(name="Cerveza", price=Decimal("4.25"), stock=100)
        ana = CustomerFactory(first_name="Ana", phone="+525511112222")
        seated = book(customer=ana, starts_at=EVENING, party_size=2, table=table, now=NOW)
        booking_pre_order_add(reservation=seated, dish=mole, quantity=2, remarks="sin nuez")
        booking_transition(reservation=seated, to=ReservationStatus.SEATED, reason="llegaron")
        note = note_issue(reservation=seated)
        note_line_add(note=note, quantity=3, dish=beer)
        note_finalise(note=note)
        note_charge(note=note, payments={"cash": Decimal("100.00")})
        online = book(
            source=ReservationSource.WEB,
            customer=CustomerFactory(phone="+525533334444"),
            starts_at=EVENING + dt.timedelta(hours=1),
            party_size=4,
            special_requests='cumpleaños 🎂, silla alta\ty "comillas"\\',
            dishes={mole: 1},
            now=NOW,
        )
        booking_transition(reservation=online, to=ReservationStatus.CANCELLED, reason="lluvia")
        alert_raise(
            kind=AlertKind.HIGH_OCCUPANCY, severity=AlertSeverity.HIGH, message="Sala llena"
        )
        chat = Conversation.objects.create(phone="+525511112222", customer=ana, last_message_at=NOW)
        ConversationMessage.objects.create(
            conversation=chat,
            direction=Direction.IN,
            author="customer",
            body="¿Tienen mesa\nen la terraza?",
            actions=[{"tool": "availability", "party_size": 2}],
            created_at=NOW,
        )
        daily_rollup_compute(day=EVENING.date())
    with schema_context("public"):
        Domain.objects.create(
            domain="reservas.casa-azul.test", tenant=restaurant_a, is_primary=False
        )
        InboundNumber.objects.create(
            provider=InboundProvider.TWILIO, address="+525599990000", restaurant=restaurant_a
        )
    connection.set_schema_to_public()
    return restaurant_a


def test_round_trip_under_another_slug_keeps_every_row_and_its_id(busy_restaurant):
    source_rows = every_row(busy_restaurant.schema_name)
    for table in (
        "reservations_reservation",
        "reservations_statuschange",
        "menu_preorder",
        "billing_consumptionnote",
        "billing_noteline",
        "billing_payment",
        "analytics_alert",
        "analytics_dailyrollup",
        "assistant_conversationmessage",
        "auth_user",
        "auth_group_permissions",
        "django_migrations",
    ):
        assert source_rows[table], f"{table} is empty: the round trip would prove nothing"

    result = transfer.restaurant_import(source=exported("casa-azul"), slug=COPY)

    copy = Restaurant.objects.get(slug=COPY)
    assert result.restaurant == copy
    assert every_row(copy.schema_name) == source_rows
    assert result.rows == sum(map(len, source_rows.values()))
    attributes = ("name", "plan", "timezone", "currency", "language", "country", "created_at")
    assert [getattr(copy, name) for name in attributes] == [
        getattr(busy_restaurant, name) for name in attributes
    ]
    assert list(Domain.objects.filter(tenant=copy).values_list("domain", "is_primary")) == [
        (restaurant_domain_for(COPY), True)
    ]
    # The copy beside its original cannot take the original's custom host and number.
    assert sorted(result.skipped) == [
        "restaurants.domain: reservas.casa-azul.test",
        "restaurants.inboundnumber: twilio, +525599990000",
    ]


def test_restore_brings_back_the_hosts_and_numbers_of_a_restaurant_gone(busy_restaurant):
    archive = exported("casa-azul")
    source_rows = every_row(busy_restaurant.schema_name)
    busy_restaurant.delete()
    with connection.cursor() as cursor:
        # Gone: its row deleted and its schema's name free. Renamed, not dropped: this test's
        # transaction has pending foreign-key checks on its tables, which a DROP refuses, and
        # on Citus SET CONSTRAINTS ALL IMMEDIATE does not reach the worker to run them first.
        cursor.execute("ALTER SCHEMA casa_azul RENAME TO casa_azul_gone")

    result = transfer.restaurant_import(source=archive)

    restored = Restaurant.objects.get(slug="casa-azul")
    assert result.skipped == []
    assert every_row("casa_azul") == source_rows
    assert sorted(Domain.objects.filter(tenant=restored).values_list("domain", "is_primary")) == [
        (restaurant_domain_for("casa-azul"), True),
        ("reservas.casa-azul.test", False),
    ]
    assert list(restored.inbound_numbers.values_list("provider", "address")) == [
        ("twilio", "+525599990000")
    ]


def test_new_rows_in_the_imported_restaurant_never_take_an_id_it_gave(busy_restaurant):
    with tenant_context(busy_restaurant):
        gone = CustomerFactory()
        gone_id = gone.pk
        gone.delete()
        last_booking = Reservation.objects.order_by("-pk").first().pk
    connection.set_schema_to_public()
    copy = transfer.restaurant_import(source=exported("casa-azul"), slug=COPY).restaurant

    with tenant_context(copy):
        customer = CustomerFactory()
        reservation = book(
            customer=customer, starts_at=EVENING + dt.timedelta(days=1), party_size=2, now=NOW
        )
        assert customer.pk > gone_id
        assert reservation.pk > last_booking
        assert Reservation.objects.count() == 3
    connection.set_schema_to_public()


def table_of(archive: io.BytesIO, table: str) -> bytes:
    with zipfile.ZipFile(archive) as bundle:
        data = bundle.read(f"tables/{table}.copy")
    archive.seek(0)
    return data


@pytest.mark.parametrize(
    "damage",
    [lambda rows: rows.replace(b"+5255", b"+5256"), lambda rows: rows[: len(rows) // 2]],
    ids=["a-phone-changed", "cut-short"],
)
def test_a_damaged_table_is_refused_before_anything_is_created(busy_restaurant, damage):
    archive = exported("casa-azul")
    customers = table_of(archive, "reservations_customer")
    damaged = rewritten(archive, tables={"tables/reservations_customer.copy": damage(customers)})

    with pytest.raises(ValidationError, match="reservations_customer"):
        transfer.restaurant_import(source=damaged, slug=COPY)

    assert nothing_left_of(COPY)


def test_an_import_failing_half_way_leaves_no_schema_and_no_public_rows(busy_restaurant):
    """Rows that pass the checksum but not the database (a pre-order of a dish the archive
    lacks) fail the import after the schema was made: it goes with the rest."""
    archive = exported("casa-azul")
    dishes = b"".join(
        f"{line}\n".encode()
        for line in table_of(archive, "menu_dish").decode().splitlines()
        if "Mole" not in line
    )

    def checksum(content):
        table = next(table for table in content["tables"] if table["name"] == "menu_dish")
        table["sha256"] = hashlib.sha256(dishes).hexdigest()
        table["rows"] = dishes.count(b"\n")

    inconsistent = rewritten(archive, manifest=checksum, tables={"tables/menu_dish.copy": dishes})

    with pytest.raises(IntegrityError, match="menu_dish"):
        transfer.restaurant_import(source=inconsistent, slug=COPY)

    assert nothing_left_of(COPY)


def test_a_file_that_is_no_archive_is_refused(db, tmp_path):
    path = tmp_path / "casa-azul.zip"
    path.write_bytes(b"no es un zip")

    with translation.override("en"), pytest.raises(CommandError, match="not a restaurant archive"):
        call_command("restaurant_import", str(path), "--slug", COPY)

    assert nothing_left_of(COPY)


def test_an_archive_from_another_migration_state_is_refused(busy_restaurant):
    future = rewritten(
        exported("casa-azul"),
        manifest=lambda content: content["migrations"].append(["reservations", "9999_futuro"]),
    )

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        transfer.restaurant_import(source=future, slug=COPY)

    assert "reservations.9999_futuro" in refused.value.messages[0]
    assert "migrate the source" in refused.value.messages[0]
    assert nothing_left_of(COPY)


def test_an_existing_slug_is_refused(busy_restaurant):
    with pytest.raises(ValidationError) as refused:
        transfer.restaurant_import(source=exported("casa-azul"), slug="bistro-verde")

    assert "bistro-verde" in refused.value.messages[0]
    with schema_context("public"):
        assert Restaurant.objects.filter(slug="bistro-verde").count() == 1


def test_the_archive_holds_nothing_of_another_restaurant(busy_restaurant, restaurant_b):
    with tenant_context(restaurant_b):
        CustomerFactory(first_name="Bruno", last_name="Verdejo", phone="+34911223344")
    connection.set_schema_to_public()

    archive = exported("casa-azul")

    with zipfile.ZipFile(archive) as bundle:
        contents = b"".join(bundle.read(name) for name in bundle.namelist())
        manifest = json.loads(bundle.read(transfer.MANIFEST))
    assert b"+34911223344" not in contents
    assert b"Verdejo" not in contents
    assert b"bistro" not in contents
    assert b"+525511112222" in contents
    assert manifest["slug"] == "casa-azul"


def test_the_commands_export_and_import_through_a_file(busy_restaurant, tmp_path, capsys):
    path = tmp_path / "casa-azul.zip"
    call_command("restaurant_export", "casa-azul", "--output", str(path))
    call_command("restaurant_import", str(path), "--slug", COPY)

    output = capsys.readouterr().out
    assert f"Exported casa-azul to {path}" in output
    assert f"Imported Casa Azul at http://{restaurant_domain_for(COPY)}/" in output
    assert "kept by another restaurant: restaurants.inboundnumber: twilio, +525599990000" in output
    assert every_row(Restaurant.schema_name_for(COPY)) == every_row("casa_azul")


def test_exporting_an_unknown_restaurant_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="no-existe"):
        call_command("restaurant_export", "no-existe", "--output", str(tmp_path / "x.zip"))

    assert not (tmp_path / "x.zip").exists()


def test_a_restaurant_moves_to_another_database_whole(busy_restaurant, second_database, tmp_path):
    path = tmp_path / "casa-azul.zip"
    transfer.restaurant_export(slug="casa-azul", destination=path)

    output = manage(second_database, "restaurant_import", str(path))

    assert "Imported Casa Azul" in output
    with psycopg.connect(second_database) as moved, moved.cursor() as cursor:
        assert every_row("casa_azul", cursor) == every_row("casa_azul")
        cursor.execute(
            "SELECT domain.domain, domain.is_primary FROM restaurants_domain domain"
            " JOIN restaurants_restaurant restaurant ON restaurant.id = domain.tenant_id"
            " WHERE restaurant.slug = 'casa-azul' ORDER BY 1"
        )
        assert cursor.fetchall() == [
            (restaurant_domain_for("casa-azul"), True),
            ("reservas.casa-azul.test", False),
        ]
        cursor.execute("SELECT provider, address FROM restaurants_inboundnumber")
        assert cursor.fetchall() == [("twilio", "+525599990000")]


class BookingDuringTheExport(io.BytesIO):
    """An archive file whose first write waits for a booking committed by another
    connection: the export is then half-way through its tables."""

    def __init__(self, restaurant):
        super().__init__()
        self.restaurant = restaurant
        self.booked: Reservation | None = None
        self.started = False

    def write(self, data):
        if not self.started:
            self.started = True
            worker = threading.Thread(target=self._book)
            worker.start()
            worker.join(30)
        return super().write(data)

    def _book(self):
        connection.set_tenant(self.restaurant)
        try:
            self.booked = book(
                customer=CustomerFactory(first_name="Tardía", phone="+525577778888"),
                starts_at=EVENING + dt.timedelta(hours=3),
                party_size=2,
                now=NOW,
            )
        finally:
            connection.close()


def test_a_booking_committed_during_the_export_is_wholly_out(committed_restaurant):
    with tenant_context(committed_restaurant):
        open_every_day("12:00", "01:00", max_days_ahead=365)
        TableFactory(code="M01", max_capacity=4)
        book(customer=CustomerFactory(), starts_at=EVENING, party_size=2, now=NOW)
    connection.set_schema_to_public()
    archive = BookingDuringTheExport(committed_restaurant)

    manifest = transfer.restaurant_export(slug="carrera", destination=archive)

    assert archive.booked is not None, "the concurrent booking did not commit"
    with tenant_context(committed_restaurant):
        assert Reservation.objects.count() == 2
        assert Customer.objects.filter(phone="+525577778888").exists()
    connection.set_schema_to_public()
    rows = {table["name"]: table["rows"] for table in manifest["tables"]}
    assert rows["reservations_reservation"] == 1
    assert rows["reservations_customer"] == 1
    assert rows["reservations_statuschange"] == 1
    with zipfile.ZipFile(archive) as bundle:
        assert b"+525577778888" not in bundle.read("tables/reservations_customer.copy")
