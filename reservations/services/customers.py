"""Customers: recognised by phone or email, kept in one format, exported and erased on request."""

from __future__ import annotations

import logging

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reservations import selectors
from reservations.models import Customer

logger = logging.getLogger(__name__)


def phone_normalise(phone: str, *, region: str | None = None) -> str:
    """The phone in E.164 (``+525512345678``); a number that is not a phone is refused."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    region = region or selectors.booking_policy_snapshot().phone_region
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            {
                "phone": _("'%(phone)s' is not a valid phone number.") % {"phone": phone}
                + _phone_example(region)
            }
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phone_example(region: str) -> str:
    """The hint after a refused phone, for the restaurant's region: in Ecuador,
    "Write it like 099 123 4567 or +593 99 123 4567."."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return ""
    return " " + _("Write it like %(national)s or %(international)s.") % {
        "national": phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
        "international": phonenumbers.format_number(
            example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
    }


def customer_save(*, customer: Customer) -> Customer:
    """Validate and save a customer with the phone in E.164 and the email in lower case."""
    customer.phone = phone_normalise(customer.phone)
    customer.email = (customer.email or "").strip().lower()
    customer.first_name = customer.first_name.strip()
    customer.last_name = customer.last_name.strip()
    if not customer.phone and not customer.email:
        raise ValidationError(_("Give the customer's phone or email, so that we can reach them."))
    # The unique phone, email and national id are the database's to check (three queries
    # fewer on every new customer, and no race between a check and the insert).
    customer.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # Refused: say which one clashes, in the model's own words.
        customer.validate_constraints()
        raise
    return customer


def customer_for_contact(
    *,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    email: str = "",
    language: str = "",
) -> tuple[Customer, bool]:
    """The customer who typed this contact: a returning one recognised by phone or email,
    or a new one. Returns the customer and whether it was created.

    The contact just typed is the one messages go to: a returning customer found by email
    who gives a new phone (or found by phone, with a new email) takes it, and the change is
    written in their notes. Two customers are never merged: when the phone is one
    customer's and the email another's, the booking is the phone's customer's (that is
    where its messages go) and neither record changes.
    """
    phone = phone_normalise(phone)
    email = (email or "").strip().lower()
    # Both candidates in one query (phone and email are each unique among customers).
    match = Q(pk__in=[])
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email__iexact=email)
    found = list(Customer.objects.filter(match, erased_at__isnull=True).order_by("pk"))
    by_phone = next((known for known in found if phone and known.phone == phone), None)
    by_email = next((known for known in found if email and known.email.lower() == email), None)
    if by_phone is None and by_email is None:
        customer = Customer(
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            phone=phone,
            email=email,
            language=language,
        )
        return customer_save(customer=customer), True
    if by_phone is not None and by_email is not None and by_phone.pk != by_email.pk:
        logger.info(
            "contact matches two customers phone_customer=%s email_customer=%s",
            by_phone.pk,
            by_email.pk,
        )
        return by_phone, False
    customer = by_phone or by_email
    changes = []
    if phone and customer.phone != phone:
        changes.append(
            _("Phone changed from %(old)s to %(new)s by the customer when booking.")
            % {"old": customer.phone or "—", "new": phone}
        )
        customer.phone = phone
    if email and customer.email != email:
        changes.append(
            _("Email changed from %(old)s to %(new)s by the customer when booking.")
            % {"old": customer.email or "—", "new": email}
        )
        customer.email = email
    if language and customer.language != language:
        customer.language = language
        changes.append("")
    if changes:
        stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
        written = [f"[{stamp}] {change}" for change in changes if change]
        if written:
            customer.notes = "\n".join(filter(None, [customer.notes.strip(), *written]))
        customer_save(customer=customer)
    return customer, False


def customer_export(*, customer: Customer) -> dict:
    """Everything the restaurant holds about a customer, for their data request."""
    return {
        "customer": {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "national_id": customer.national_id,
            "phone": customer.phone,
            "email": customer.email,
            "city": customer.city,
            "notes": customer.notes,
            "marketing_consent": customer.marketing_consent,
            "created_at": timezone.localtime(customer.created_at).isoformat(),
        },
        "reservations": [
            {
                "reference": reservation.reference,
                "starts_at": timezone.localtime(reservation.starts_at).isoformat(),
                "party_size": reservation.party_size,
                "status": reservation.status,
                "source": reservation.source,
                "special_requests": reservation.special_requests,
                "pre_orders": [
                    {
                        "dish": pre_order.dish.name,
                        "quantity": pre_order.quantity,
                        "unit_price": str(pre_order.unit_price),
                    }
                    for pre_order in reservation.pre_orders.all()
                ],
            }
            for reservation in customer.reservations.prefetch_related("pre_orders__dish").order_by(
                "starts_at"
            )
        ],
    }


@transaction.atomic
def customer_erase(*, customer: Customer, by=None) -> Customer:
    """Anonymise a customer on their request; their reservations keep their references."""
    customer.first_name = _("Erased")
    customer.last_name = ""
    customer.national_id = customer.phone = customer.email = customer.city = customer.notes = ""
    customer.marketing_consent = False
    customer.erased_at = timezone.now()
    customer.save()
    customer.reservations.update(special_requests="")
    logger.info("customer erased id=%s", customer.pk)
    return customer
