import copy
import threading
import time

from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

# A token, its user and the user's permissions are remembered by each process this long: a
# revoked token or a changed permission is refused everywhere within these seconds.
TOKEN_CACHE_SECONDS = 10
TOKEN_CACHE_SIZE = 10_000
_tokens: dict[tuple[str, str], tuple[float, object, object]] = {}
_tokens_lock = threading.Lock()


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the user's permissions (their own and their
    groups') in the same query as the token, and remembering the answer a few seconds:
    every API call checks them."""

    def authenticate_credentials(self, key):
        cache_key = (connection.schema_name, key)
        now = time.monotonic()
        cached = _tokens.get(cache_key)
        if cached is None or cached[0] <= now:
            token = self._token(key)
            with _tokens_lock:
                if len(_tokens) >= TOKEN_CACHE_SIZE:
                    _tokens.clear()
                _tokens[cache_key] = cached = (now + TOKEN_CACHE_SECONDS, token.user, token)
        _valid_until, user, token = cached
        # Each request gets its own user object: views may annotate it.
        return copy.copy(user), token

    def _token(self, key):
        permissions = (
            Permission.objects.filter(Q(user=OuterRef("user")) | Q(group__user=OuterRef("user")))
            .annotate(full_name=Concat(F("content_type__app_label"), Value("."), F("codename")))
            .values("full_name")
            .distinct()
        )
        try:
            token = (
                self.get_model()
                .objects.select_related("user")
                .annotate(permissions=ArraySubquery(permissions))
                .get(key=key)
            )
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not token.user.is_superuser:
            # Where Django's model backend keeps what it read (see restaurants.backends).
            token.user._perm_cache = set(token.permissions)
        return token


def tokens_forget() -> None:
    """Drop this process's remembered tokens (a token or a user's rights changed)."""
    with _tokens_lock:
        _tokens.clear()
