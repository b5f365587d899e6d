"""Issuing and revoking the API's tokens."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken


@transaction.atomic
def api_token_issue(
    *, user, name: str, expires_at: dt.datetime | None = None, token: ApiToken | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it and its key, which is shown this once only."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    token = token or ApiToken()
    token.user, token.name, token.expires_at = user, name.strip(), expires_at
    key = ApiToken.new_key()
    token.key_set(key)
    token.full_clean(exclude=["key_hash", "prefix"])
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, now: dt.datetime | None = None) -> ApiToken:
    """Stop the token from working, at once in every process (their few seconds' memory of it
    aside: see api.authentication)."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
