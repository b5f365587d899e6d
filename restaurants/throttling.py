from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle

RETRY_AFTER_SECONDS = 30


class LimitsUnavailable(APIException):
    """503 with Retry-After: the plan's limit cannot be counted while Redis is down."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The API is briefly unavailable. Please try again in a moment.")
    default_code = "unavailable"
    wait = RETRY_AFTER_SECONDS


class PlanRateThrottle(SimpleRateThrottle):
    """API rate limit by the restaurant's plan, per user (or client IP when anonymous).

    The cache key carries the schema name (tenant-aware key function), so one
    restaurant's traffic never counts against another's.
    """

    scope = "plan"

    def get_rate(self):
        return None

    def allow_request(self, request, view):
        plan = getattr(request.tenant, "plan", None)
        if plan is None:
            return True
        self.rate = plan  # any value but None: the base class skips throttling on None
        self.num_requests = settings.PLAN_API_RATE_LIMITS[plan]
        self.duration = settings.PLAN_API_RATE_WINDOW_SECONDS
        allowed = super().allow_request(request, view)
        # The limits are exact per plan: uncounted requests are not let through.
        if not self.cache.reachable():
            raise LimitsUnavailable
        return allowed

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
