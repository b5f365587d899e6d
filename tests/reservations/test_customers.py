"""Customers are recognised again by phone or email; their phone is kept in E.164."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from reservations.models import Customer
from reservations.services.customers import customer_for_contact, customer_save


def test_returning_customer_is_recognised_by_phone_or_email(restaurant_a):
    with tenant_context(restaurant_a):
        first, created = customer_for_contact(
            first_name="Lucía", phone="55 1234 5678", email="Lucia@Example.com"
        )
        by_phone, by_phone_created = customer_for_contact(first_name="Lu", phone="+52 55 1234 5678")
        by_email, by_email_created = customer_for_contact(first_name="L", email="lucia@example.com")

        assert created and not by_phone_created and not by_email_created
        assert first.pk == by_phone.pk == by_email.pk
        assert (first.phone, first.email) == ("+525512345678", "lucia@example.com")
        assert Customer.objects.count() == 1


def test_a_phone_that_is_not_a_phone_is_refused_and_nothing_saved(restaurant_a):
    with tenant_context(restaurant_a):
        with pytest.raises(ValidationError, match="no es un número de teléfono válido"):
            customer_for_contact(first_name="Mateo", phone="12")
        assert not Customer.objects.exists()


def test_a_customer_needs_a_phone_or_an_email(restaurant_a):
    with tenant_context(restaurant_a):
        with pytest.raises(ValidationError, match="teléfono o el correo"):
            customer_for_contact(first_name="Mateo")
        assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "+525512345678", "Otro cliente tiene este teléfono."),
        ("email", "lucia@example.com", "Otro cliente tiene este correo electrónico."),
        ("national_id", "GARL800101", "Otro cliente tiene este documento de identidad."),
    ],
)
def test_a_second_customer_with_anothers_phone_email_or_id_is_refused_and_nothing_changes(
    restaurant_a, field, value, message
):
    with tenant_context(restaurant_a):
        Customer.objects.create(
            first_name="Lucía",
            phone="+525512345678",
            email="lucia@example.com",
            national_id="GARL800101",
        )
        other = Customer.objects.create(first_name="Beatriz", phone="+525587654321")
        setattr(other, field, value)

        with pytest.raises(ValidationError) as refusal:
            customer_save(customer=other)

        assert message in " ".join(refusal.value.messages)
        other.refresh_from_db()
        assert getattr(other, field) != value
