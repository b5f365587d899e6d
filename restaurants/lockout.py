"""Admin logins locked out after repeated failures (django-axes, configured in settings).

Failed attempts are kept in the schema of the host that was tried (``axes`` is a shared and a
tenant app), so a lock-out is per restaurant, and the platform's admin has its own. Axes logs
each failure and lock-out with the email and the address masked and never the password.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out account and address before any password is checked.

    A login without a request (a test client's ``login()``, the shell) comes from no address
    and is left to the next backend; every login page passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request, credentials) -> str | None:
    """The email tried, as the login compares it: ``Ana@…`` and ``ana@…`` are one account."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return username.strip().lower() if isinstance(username, str) else username


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed logins with this account from your connection. "
        "Try again in %(minutes)d minute.",
        "Too many failed logins with this account from your connection. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, saying why the login is refused (429), in the user's language."""
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if isinstance(original_response, TemplateResponse) and form is not None:
        # The lock-out replaces "wrong email or password": the password may well be right.
        form.errors[NON_FIELD_ERRORS] = form.error_class([lockout_message()])
        response = TemplateResponse(request, original_response.template_name, context, status=429)
        return response.render()
    return HttpResponse(lockout_message(), status=429, content_type="text/plain; charset=utf-8")
