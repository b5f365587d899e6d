from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the user's permissions (their own and their
    groups') in the same query as the token: every API call checks them."""

    def authenticate_credentials(self, key):
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
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if not user.is_superuser:
            # Where Django's model backend keeps what it read (see restaurants.backends).
            user._perm_cache = set(token.permissions)
        return user, token
