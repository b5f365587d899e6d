"""Scheduled analytics, one restaurant per task."""

from __future__ import annotations

from analytics import forecasts, services
from restaurants.tasks import restaurant_task


@restaurant_task("analytics.metrics")
def metrics_take() -> int:
    """Snapshot the hours that ended since the last snapshot."""
    return services.metrics_take()


@restaurant_task("analytics.rollups")
def daily_rollups_refresh() -> int:
    """Bring the daily roll-ups up to date (part of the metrics job)."""
    return services.daily_rollups_refresh()


@restaurant_task("analytics.alerts")
def alerts_check() -> int:
    """Raise the alerts the floor calls for now."""
    return len(services.alerts_check())


@restaurant_task("analytics.forecast")
def forecasts_refresh() -> int:
    """Forecast the next 14 service days again, from the roll-ups and the book."""
    return forecasts.forecasts_refresh()


@restaurant_task("analytics.cleanup")
def analytics_cleanup() -> int:
    """Remove metrics, resolved alerts and forecasts older than the retention."""
    return services.analytics_cleanup()
