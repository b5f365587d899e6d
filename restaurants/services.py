import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, tenant_context

from restaurants import roles
from restaurants.models import (
    RESERVED_SLUGS,
    SLUG_PATTERN,
    Domain,
    Language,
    Plan,
    Restaurant,
    validate_country,
)

logger = logging.getLogger(__name__)


def restaurant_slug_validate(slug: str) -> None:
    """Refuse a slug that cannot name a new restaurant's host and schema."""
    if not re.fullmatch(SLUG_PATTERN, slug or ""):
        raise ValidationError(
            {
                "slug": _(
                    "The slug must be 3 to 40 lowercase letters, digits or hyphens, "
                    "starting with a letter (e.g. salon-centro)."
                )
            }
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise ValidationError(
            {"slug": _("'%(slug)s' is reserved by the platform.") % {"slug": slug}}
        )
    if Restaurant.objects.filter(slug=slug).exists():
        raise ValidationError(
            {"slug": _("A restaurant with the slug '%(slug)s' already exists.") % {"slug": slug}}
        )


def restaurant_domain_for(slug: str) -> str:
    return f"{slug}.{settings.TENANT_BASE_DOMAIN}"


def _validate_attributes(
    *, name: str, plan: str, timezone: str, currency: str, language: str, country: str = ""
):
    errors = {}
    if not name.strip():
        errors["name"] = _("The restaurant needs a name.")
    if plan not in Plan.values:
        errors["plan"] = _("Unknown plan '%(plan)s'; choose basic, premium or enterprise.") % {
            "plan": plan
        }
    if timezone not in dict(Restaurant._meta.get_field("timezone").choices):
        errors["timezone"] = _("Unknown time zone '%(tz)s' (e.g. America/Mexico_City).") % {
            "tz": timezone
        }
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = _("The currency must be a three-letter ISO code (e.g. USD).")
    try:
        validate_country(country)
    except ValidationError as error:
        errors["country"] = error.messages[0]
    if language not in Language.values:
        errors["language"] = _("Unknown language '%(lang)s'; choose es or en.") % {"lang": language}
    if errors:
        raise ValidationError(errors)


def _validate_manager(*, email: str, password: str) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"manager_email": _("Enter a valid email address.")}) from None
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValidationError({"manager_password": error.messages}) from None


def restaurant_create_validate(
    *,
    name: str,
    slug: str,
    plan: str,
    timezone: str,
    currency: str,
    language: str,
    manager_email: str,
    manager_password: str,
    country: str = "",
) -> dict:
    """Check everything a new restaurant needs; returns the cleaned values.

    Raises one ValidationError holding every field's message, for forms and commands alike.
    """
    values = {
        "name": (name or "").strip(),
        "slug": (slug or "").strip(),
        "plan": plan,
        "timezone": timezone,
        "currency": (currency or "").strip().upper(),
        "language": language,
        "country": (country or "").strip().upper(),
        "manager_email": (manager_email or "").strip().lower(),
        "manager_password": manager_password or "",
    }
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: restaurant_slug_validate(values["slug"]),
        lambda: _validate_attributes(
            name=values["name"],
            plan=plan,
            timezone=timezone,
            currency=values["currency"],
            language=language,
            country=values["country"],
        ),
        lambda: _validate_manager(
            email=values["manager_email"], password=values["manager_password"]
        ),
    ):
        try:
            check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def restaurant_create(
    *,
    name: str,
    slug: str,
    plan: str = Plan.BASIC,
    timezone: str = "America/Mexico_City",
    currency: str = "USD",
    language: str = Language.SPANISH,
    country: str = "",
    manager_email: str,
    manager_password: str,
) -> Restaurant:
    """Create a restaurant: its schema, its host ``<slug>.<base domain>``, roles and manager.

    One transaction: if any step fails, no schema, domain or user is left behind.
    """
    values = restaurant_create_validate(
        name=name,
        slug=slug,
        plan=plan,
        timezone=timezone,
        currency=currency,
        language=language,
        country=country,
        manager_email=manager_email,
        manager_password=manager_password,
    )
    slug = values["slug"]
    with schema_context("public"):
        restaurant = Restaurant(
            schema_name=Restaurant.schema_name_for(slug),
            name=values["name"],
            slug=slug,
            plan=plan,
            timezone=timezone,
            currency=values["currency"],
            language=language,
            country=values["country"],
        )
        restaurant.save(verbosity=0)
        Domain.objects.create(
            domain=restaurant_domain_for(slug), tenant=restaurant, is_primary=True
        )

    with tenant_context(restaurant):
        roles.roles_sync()
        staff_user_ensure(
            email=values["manager_email"], password=values["manager_password"], role=roles.MANAGER
        )
    logger.info("restaurant created slug=%s plan=%s", slug, plan)
    return restaurant


def staff_user_ensure(*, email: str, password: str, role: str):
    """Create the staff user of the current restaurant with this role, unless it exists.

    An existing user keeps its password: provisioning twice changes nothing.
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "is_staff": True}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    return user, created


def restaurant_provision(**attributes) -> tuple[Restaurant, bool]:
    """Create the restaurant unless the same one already exists; returns (restaurant, created).

    Running it again with the same slug and name changes nothing; a slug that belongs to
    a restaurant of another name is refused.
    """
    slug = (attributes.get("slug") or "").strip()
    existing = Restaurant.objects.filter(slug=slug).first()
    if existing is None:
        return restaurant_create(**attributes), True
    if existing.name != (attributes.get("name") or "").strip():
        raise ValidationError(
            {
                "slug": _("The slug '%(slug)s' already belongs to the restaurant '%(name)s'.")
                % {"slug": slug, "name": existing.name}
            }
        )
    return existing, False
