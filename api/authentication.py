"""``Authorization: Token <key>``: the API's tokens (api.models.ApiToken), read with their
user's permissions (their own and their groups') in one query, and remembered a few seconds
by each process, since every call checks them. An expired or revoked token is refused; the
time a token was last used is written at most once a minute."""

from __future__ import annotations

import copy
import datetime as dt
import threading
import time

from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiToken, key_hash

# A token, its user and the user's permissions are remembered by each process this long: a
# revoked token or a changed permission is refused everywhere within these seconds.
TOKEN_CACHE_SECONDS = 10
TOKEN_CACHE_SIZE = 10_000
LAST_USED_EVERY = dt.timedelta(minutes=1)
_tokens: dict[tuple[str, str], tuple[float, object, ApiToken]] = {}
_tokens_lock = threading.Lock()


class TokenAuthentication(authentication.TokenAuthentication):
    """See the module."""

    def authenticate_credentials(self, key):
        cache_key = (connection.schema_name, key_hash(key))
        now = time.monotonic()
        cached = _tokens.get(cache_key)
        if cached is None or cached[0] <= now:
            token = self._token(cache_key[1])
            with _tokens_lock:
                if len(_tokens) >= TOKEN_CACHE_SIZE:
                    _tokens.clear()
                _tokens[cache_key] = cached = (now + TOKEN_CACHE_SECONDS, token.user, token)
        _valid_until, user, token = cached
        if not token.is_usable:  # expired while remembered
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        self._mark_used(token)
        # Each request gets its own user object: views may annotate it.
        return copy.copy(user), token

    def _token(self, hashed: str) -> ApiToken:
        permissions = (
            Permission.objects.filter(Q(user=OuterRef("user")) | Q(group__user=OuterRef("user")))
            .annotate(full_name=Concat(F("content_type__app_label"), Value("."), F("codename")))
            .values("full_name")
            .distinct()
        )
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .annotate(permissions=ArraySubquery(permissions))
            .filter(key_hash=hashed)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not token.user.is_superuser:
            # Where Django's model backend keeps what it read (see restaurants.backends).
            token.user._perm_cache = set(token.permissions)
        return token

    @staticmethod
    def _mark_used(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            token.last_used_at = now
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def tokens_forget() -> None:
    """Drop this process's remembered tokens (a token or a user's rights changed)."""
    with _tokens_lock:
        _tokens.clear()
