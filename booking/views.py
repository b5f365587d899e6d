"""The restaurant's public pages: booking form, availability, manage link and widget."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import uuid
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from billing.selectors import pre_order_estimate
from booking.forms import AvailabilityForm, BookingForm, RescheduleForm, starts_at_of
from booking.services import bookings as workflows
from menu.models import Dish
from reservations import selectors
from reservations.links import manage_token_for, reservation_for_token
from reservations.models import ReservationSource, ReservationStatus, Weekday
from restaurants.forms import service_errors_to_form
from restaurants.ratelimit import rate_count, rate_limited, rate_reached, retry_after_seconds
from restaurants.templatetags.dates import long_date

logger = logging.getLogger(__name__)
# Where the booking services' errors show on the public forms (None: above the form).
SERVICE_FIELDS = {"starts_at": "time", "table": None, "dish": None, "quantity": None}


def _too_many(request, *, back_url: str, back_label: str):
    """The 429 page, with the way back to where the customer was."""
    response = render(
        request,
        "reservations/message.html",
        {
            "title": _("Too many attempts"),
            "message": _("Please wait a minute and try again."),
            "back_url": back_url,
            "back_label": back_label,
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after_seconds())
    return response


def _picked(data, policy, window) -> tuple[dt.date, int, str]:
    """The day and party size asked for, or today and two people; and, when the day asked
    for cannot be shown (malformed, outside the booking window), why today is shown."""
    picker = AvailabilityForm(data, max_party_size=policy.online_max_party_size, window=window)
    day, party_size, notice = window[0], min(2, policy.online_max_party_size), ""
    if picker.is_bound:
        picker.is_valid()
        day = picker.cleaned_data.get("day") or day
        party_size = picker.cleaned_data.get("party_size") or party_size
        if data.get("day") and "day" in picker.errors:
            notice = " ".join(picker.errors["day"])
    return day, party_size, notice


def _availability_context(
    *,
    day: dt.date,
    party_size: int,
    window: tuple[dt.date, dt.date],
    chosen: dt.time | None = None,
    snapshot=None,
    cached_as: str | None = None,
    notice: str = "",
):
    """``day`` is within ``window`` (the forms see to it): its month's calendar and the months
    either side are plain date arithmetic."""
    zone = selectors.restaurant_zone()
    availability, calendar = selectors.booking_month(
        day=day, party_size=party_size, snapshot=snapshot, cached_as=cached_as
    )
    times = []
    for slot in availability.slots:
        local = slot.starts_at.astimezone(zone)
        times.append(
            {
                "value": f"{local:%H:%M}",
                "area": slot.best_table.area,
                # For the page's script: a plain number whatever the language.
                "table_price": str(slot.best_table.reservation_price),
                "checked": local.time() == chosen,
            }
        )
    first_of_month = day.replace(day=1)
    next_month = (first_of_month + dt.timedelta(days=32)).replace(day=1)
    return {
        "day": day,
        "day_iso": day.isoformat(),
        "day_notice": notice,
        "party_size": party_size,
        "availability": availability,
        "times": times,
        "calendar_rows": _calendar_rows(calendar, day, party_size),
        # Only months with a bookable day are offered.
        "previous_month": (first_of_month - dt.timedelta(days=1)).replace(day=1).isoformat()
        if first_of_month > window[0]
        else "",
        "next_month": next_month.isoformat() if next_month <= window[1] else "",
    }


def _calendar_rows(calendar, chosen: dt.date, party_size: int) -> str:
    """The calendar's rows (forty-odd cells on every view of the booking page), written here
    rather than by the template engine, whose variable and tag rendering cost more than the
    rest of the fragment."""
    states = {"available": _("tables free"), "full": _("fully booked"), "closed": _("closed")}
    rows = []
    for week in calendar:
        cells = []
        for cell in week:
            css = " ".join(
                filter(
                    None,
                    [
                        cell.state,
                        "" if cell.in_month else "other-month",
                        "chosen" if cell.day == chosen else "",
                    ],
                )
            )
            if cell.state == "outside":
                inner = f'<span aria-hidden="true">{cell.day.day}</span>'
            else:
                label = escape(f"{long_date(cell.day)}: {states.get(cell.state, states['closed'])}")
                current = ' aria-current="date"' if cell.day == chosen else ""
                inner = (
                    f'<a href="?day={cell.iso}&amp;party_size={party_size}" data-day="{cell.iso}" '
                    f'aria-label="{label}"{current}>{cell.day.day}</a>'
                )
            cells.append(f'<td class="{css}">{inner}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    # Safe: ISO dates, numbers and escaped labels only.
    return mark_safe("\n".join(rows))


def _opening_hours(snapshot) -> list[tuple[str, str]]:
    rows = []
    for weekday in Weekday:
        periods = snapshot.periods.get(weekday.value, ())
        text = ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in periods)
        rows.append((weekday.label, text or _("Closed")))
    return rows


# An anonymous GET of the booking page or of its availability fragment is rendered once per
# book version (see selectors.book_version), time epoch (selectors.time_epoch: the date and
# the first start time still offered), language and address, then served from the cache;
# each visitor's own values (CSRF token, the form's submission key) are put back in on the
# way out. The landing page (no day asked for) is kept longer than a day and party asked for:
# there is one of it per restaurant and language, and hundreds of the others.
PAGE_CACHE_SECONDS = 600
ASKED_PAGE_CACHE_SECONDS = 60
VISITOR_VALUES = {
    "csrf": re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"'),
    "submission": re.compile(r'name="submission" value="([^"]+)"'),
}


def _served_from_cache(request, template: str, render_page) -> HttpResponse:
    """``render_page(cached_as, snapshot)``'s answer, from the cache when neither the book
    nor the time epoch has changed since it was rendered (``cached_as``: both, for the month
    calendar's own cache; ``snapshot``: the booking policy)."""
    # The version first: a change made meanwhile is rendered under the older version, never
    # the older policy under the newer one.
    version = selectors.book_version()
    snapshot = selectors.booking_policy_snapshot()
    cached_as = f"{version}:{selectors.time_epoch(snapshot=snapshot)}"
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    # The static files' manifest too: a page cached before a release links files by hashed
    # names the new release may no longer serve.
    release = getattr(staticfiles_storage, "manifest_hash", "")
    key = f"public-page:{template}:{cached_as}:{translation.get_language()}:{release}:{address}"
    page = cache.get(key)
    if page is None:
        response = render_page(cached_as, snapshot)
        if response.status_code != 200:
            return response
        page = response.content.decode()
        for name, pattern in VISITOR_VALUES.items():
            for value in set(pattern.findall(page)):
                page = page.replace(value, f"\x00{name}\x00")
        cache.set(key, page, ASKED_PAGE_CACHE_SECONDS if request.GET else PAGE_CACHE_SECONDS)
        return response
    page = page.replace("\x00csrf\x00", get_token(request))
    return HttpResponse(page.replace("\x00submission\x00", uuid.uuid4().hex))


def _booking(request, *, template: str, widget: bool):
    if request.method == "GET":
        if "day" in request.GET and rate_limited(request, "availability"):
            return _too_many(
                request, back_url=request.path, back_label=_("Back to the booking page")
            )
        return _served_from_cache(
            request,
            template,
            lambda cached_as, snapshot: _booking_form(
                request, template=template, widget=widget, cached_as=cached_as, snapshot=snapshot
            ),
        )
    return _booking_form(request, template=template, widget=widget)


def _booking_form(
    request, *, template: str, widget: bool, cached_as: str | None = None, snapshot=None
):
    snapshot = snapshot or selectors.booking_policy_snapshot()
    policy = snapshot.row
    dishes = list(
        Dish.objects.filter(is_active=True, category__is_active=True, stock__gt=0)
        .select_related("category")
        .order_by("category__menu_order", "category__name", "name")
    )
    data = request.POST.copy() if request.method == "POST" else request.GET
    alternative = data.get("alternative", "") if request.method == "POST" else ""
    if alternative:  # "book this other time instead"
        day_text, _sep, time_text = alternative.partition("T")
        data["day"], data["time"] = day_text, time_text
    window = selectors.booking_window(snapshot=snapshot)
    day, party_size, notice = _picked(data if "day" in data else None, policy, window)
    alternatives = []
    if request.method == "POST":
        # Refused submissions count only against the generous attempt limit: a customer who
        # mistypes is not locked out; the booking limit counts bookings made.
        if rate_limited(request, "attempt") or rate_reached(request, "booking"):
            return _too_many(
                request,
                back_url=f"{request.path}?{urlencode({'day': day, 'party_size': party_size})}",
                back_label=_("Back to the booking page"),
            )
        notice = ""  # the form's own error on the day says it
        form = BookingForm(
            data, dishes=dishes, max_party_size=policy.online_max_party_size, window=window
        )
        if form.is_valid():
            cleaned = form.cleaned_data
            if cleaned["website"]:
                logger.info("booking refused: honeypot filled")
                form.add_error(None, _("We could not take this booking. Please call us."))
            else:
                try:
                    reservation, created = workflows.booking_create(
                        source=ReservationSource.WEB,
                        contact=workflows.Contact(
                            first_name=cleaned["first_name"],
                            last_name=cleaned["last_name"],
                            phone=cleaned["phone"],
                            email=cleaned["email"],
                        ),
                        starts_at=cleaned["starts_at"],
                        party_size=cleaned["party_size"],
                        special_requests=cleaned["special_requests"],
                        dishes=cleaned["dishes"],
                        submission_key=cleaned["submission"],
                    )
                except ValidationError as error:
                    service_errors_to_form(form, error, fields=SERVICE_FIELDS)
                    alternatives = selectors.alternatives_for(
                        starts_at=cleaned["starts_at"], party_size=cleaned["party_size"]
                    )
                else:
                    if created:
                        rate_count(request, "booking")
                    url = reverse(
                        "booking-widget-manage" if widget else "booking-manage",
                        args=[manage_token_for(reservation)],
                    )
                    return redirect(f"{url}?new=1")
    else:
        form = BookingForm(
            initial={"day": day, "party_size": party_size},
            dishes=dishes,
            max_party_size=policy.online_max_party_size,
            window=window,
        )
    chosen = (
        form.cleaned_data.get("time") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    zone = selectors.restaurant_zone()
    context = {
        "restaurant": request.tenant,
        "policy": policy,
        "form": form,
        "widget": widget,
        "hours": _opening_hours(snapshot),
        "alternatives": [
            {
                "value": f"{slot.starts_at.astimezone(zone):%Y-%m-%dT%H:%M}",
                "starts_at": slot.starts_at.astimezone(zone),
            }
            for slot in alternatives
        ],
        "availability_url": reverse("booking-availability"),
        **_availability_context(
            day=day,
            party_size=party_size,
            window=window,
            chosen=chosen,
            snapshot=snapshot,
            cached_as=cached_as,
            notice=notice,
        ),
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def booking_page(request):
    """The restaurant's landing page with its booking form."""
    return _booking(request, template="reservations/book.html", widget=False)


def _embed_origins(policy) -> list[str]:
    return [origin.strip() for origin in policy.embed_origins.split() if origin.strip()]


def _frame_policy(response, policy):
    ancestors = " ".join(["'self'", *_embed_origins(policy)])
    response["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
    return response


@xframe_options_exempt
@csrf_exempt  # a cross-site iframe gets no CSRF cookie; the Origin check below stands in
@require_http_methods(["GET", "POST"])
def booking_widget(request):
    """The booking form to embed on the restaurant's own website (in an iframe)."""
    policy = selectors.booking_policy_cached()
    if request.method == "POST" and not _same_origin(request):
        response = render(
            request,
            "reservations/message.html",
            {"title": _("Not allowed"), "message": _("Reload the page and try again.")},
            status=403,
        )
    else:
        response = _booking(request, template="reservations/widget.html", widget=True)
    return _frame_policy(response, policy)


def _same_origin(request) -> bool:
    origin = request.META.get("HTTP_ORIGIN") or request.META.get("HTTP_REFERER", "")
    return bool(origin) and urlsplit(origin).netloc == request.get_host()


@require_GET
def booking_availability(request):
    """The calendar and free times of a day for a party: the fragment the page refreshes."""
    if rate_limited(request, "availability"):
        return _too_many(
            request, back_url=reverse("restaurant-home"), back_label=_("Back to the booking page")
        )
    template = "reservations/_availability.html"
    return _served_from_cache(
        request,
        template,
        lambda cached_as, snapshot: _availability(request, template, cached_as, snapshot),
    )


def _availability(request, template: str, cached_as: str, snapshot):
    window = selectors.booking_window(snapshot=snapshot)
    day, party_size, notice = _picked(request.GET, snapshot.row, window)
    return render(
        request,
        template,
        {
            "policy": snapshot.row,
            **_availability_context(
                day=day,
                party_size=party_size,
                window=window,
                snapshot=snapshot,
                cached_as=cached_as,
                notice=notice,
            ),
        },
    )


def _manage(request, token: str, *, template: str, widget: bool):
    try:
        reservation = reservation_for_token(token)
    except ValidationError as error:
        return render(
            request,
            "reservations/message.html",
            {"title": _("Booking link"), "message": " ".join(error.messages)},
            status=404,
        )
    # The page speaks the booking's language (the customer's, kept when they booked) on any
    # device, unless this visitor picked one with the language switch.
    language = _booking_language(request, reservation)
    with translation.override(language):
        response = _manage_page(request, reservation, template=template, widget=widget)
    response["Content-Language"] = language
    return response


def _booking_language(request, reservation) -> str:
    languages = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in languages:
        return chosen
    if reservation.customer.language in languages:
        return reservation.customer.language
    return translation.get_language()


def _manage_page(request, reservation, *, template: str, widget: bool):
    policy = selectors.booking_policy_cached()
    window = selectors.booking_window()
    action = request.POST.get("action")
    reschedule_form = RescheduleForm(
        request.POST if action == "reschedule" else None, window=window
    )
    active = reservation.status in (ReservationStatus.PENDING, ReservationStatus.CONFIRMED)
    confirming_cancel = False
    if request.method == "POST":
        if rate_limited(request, "manage"):
            return _too_many(request, back_url=request.path, back_label=_("Back to your booking"))
        try:
            if action == "cancel" and request.POST.get("confirm") != "yes":
                # A second, explicit step: a tap on "Cancel" alone changes nothing.
                confirming_cancel = active and timezone.now() <= workflows.online_changes_close_at(
                    reservation
                )
            elif action == "cancel":
                workflows.booking_cancel_by_customer(reservation=reservation)
                messages.success(request, _("Your booking is cancelled."))
                return redirect(request.path)
            elif reschedule_form.is_valid():
                starts_at = starts_at_of(
                    reschedule_form.cleaned_data["day"], reschedule_form.cleaned_data["time"]
                )
                reservation = workflows.booking_reschedule_by_customer(
                    reservation=reservation, starts_at=starts_at
                )
                messages.success(request, _("Your booking has been rescheduled."))
                return redirect(request.path)
        except ValidationError as error:
            if active and timezone.now() > workflows.online_changes_close_at(reservation):
                pass  # the page says why nothing can be changed online, with the phone
            elif action == "reschedule":
                service_errors_to_form(reschedule_form, error, fields=SERVICE_FIELDS)
            else:
                messages.error(request, " ".join(error.messages))
    zone = selectors.restaurant_zone()
    pre_orders = list(reservation.pre_orders.select_related("dish"))
    estimate = pre_order_estimate(
        table_price=reservation.table.reservation_price,
        items=[(item.dish.name, item.quantity, item.unit_price) for item in pre_orders],
    )
    changeable = active and timezone.now() <= workflows.online_changes_close_at(reservation)
    day, notice = reservation.starts_at.astimezone(zone).date(), ""
    if "day" in request.GET:
        picked = RescheduleForm(request.GET, window=window)
        picked.is_valid()
        day = picked.cleaned_data.get("day") or day
        if "day" in picked.errors and request.GET.get("day"):
            notice = " ".join(picked.errors["day"])
    if not window[0] <= day <= window[1]:  # a booking today's clock has passed
        day = window[0]
    context = {
        "restaurant": request.tenant,
        "policy": policy,
        "reservation": reservation,
        "starts_at": reservation.starts_at.astimezone(zone),
        "estimate": estimate,
        "is_new": request.GET.get("new") == "1",
        "changeable": changeable,
        "changes_closed": active and not changeable,
        "cutoff_minutes": policy.cancel_cutoff_minutes,
        "confirming_cancel": confirming_cancel,
        "reschedule_form": reschedule_form,
        "widget": widget,
        "availability_url": reverse("booking-availability"),
        **(
            _availability_context(
                day=day, party_size=reservation.party_size, window=window, notice=notice
            )
            if changeable and not confirming_cancel
            else {}
        ),
    }
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def booking_manage(request, token: str):
    """The customer's own page for a booking, reached by the signed link: view, cancel, reschedule."""
    return _manage(request, token, template="reservations/manage.html", widget=False)


@xframe_options_exempt
@csrf_exempt
@require_http_methods(["GET", "POST"])
def booking_widget_manage(request, token: str):
    policy = selectors.booking_policy_cached()
    if request.method == "POST" and not _same_origin(request):
        return _frame_policy(HttpResponse(status=403), policy)
    return _frame_policy(
        _manage(request, token, template="reservations/widget_manage.html", widget=True), policy
    )


@require_GET
def widget_script(request):
    """The loader a restaurant pastes in its website: it inserts the booking iframe."""
    response = render(
        request,
        "reservations/widget.js",
        {"widget_url": request.build_absolute_uri(reverse("booking-widget"))},
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
