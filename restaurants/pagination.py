"""The API's pages: cursors, so that a list read while bookings arrive neither skips nor
repeats a row, and a deep page costs what the first does (no OFFSET)."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Newest first unless the view orders otherwise; ``?page_size=`` up to 200; the
    ``next`` and ``previous`` links carry the cursor."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request, queryset, view):
        """The view's own ``ordering`` (a unique, unchanging order) when it declares one and
        no ordering filter applies."""
        if not any(hasattr(backend, "get_ordering") for backend in view.filter_backends):
            ordering = getattr(view, "ordering", None)
            if ordering:
                return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, ValidationError):
            # A cursor decoded but naming no position of this order (edited by hand).
            raise NotFound(self.invalid_cursor_message) from None
