from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


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
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"
