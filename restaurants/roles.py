"""Staff roles of a restaurant: Django groups with exact permissions.

Declared once here; ``roles_sync`` brings every restaurant's groups in line with it.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

MANAGER = "Manager"
CASHIER = "Cashier"

# Who may watch the live floor (its page, actions and socket, and the home's live panel):
# staff who can see the restaurant's tables and bookings.
LIVE_FLOOR_PERMISSIONS = ("reservations.view_table", "reservations.view_reservation")

# "app_label.*" grants every permission of an app; "app_label.codename" one permission.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    MANAGER: (
        "reservations.*",
        "menu.*",
        "billing.*",
        "notifications.*",
        "analytics.*",
        # The chats' inbox and the assistant's settings; chats are never added or deleted
        # by hand (customers begin them, the retention job removes them).
        "assistant.view_conversation",
        "assistant.change_conversation",
        "assistant.reply_conversation",
        "assistant.view_assistantsettings",
        "assistant.add_assistantsettings",
        "assistant.change_assistantsettings",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # The API's tokens: issued and revoked in the admin, never edited.
        "api.view_apitoken",
        "api.add_apitoken",
        "api.change_apitoken",
    ),
    # Reads the book, the menu and the message log (phones masked), and works the notes; never tables, settings, menu
    # prices, users, or discounts above the manager's limit.
    CASHIER: (
        "reservations.view_reservation",
        "reservations.view_customer",
        "reservations.view_statuschange",
        "menu.view_category",
        "menu.view_dish",
        "menu.view_preorder",
        "billing.view_consumptionnote",
        "billing.add_consumptionnote",
        "billing.change_consumptionnote",
        "billing.view_noteline",
        "billing.add_noteline",
        "billing.change_noteline",
        "billing.delete_noteline",
        "billing.view_payment",
        "billing.view_cash_report",
        "notifications.view_message",
    ),
}


def _permissions_for(patterns: tuple[str, ...]):
    query = Q(pk__in=[])
    for pattern in patterns:
        app_label, codename = pattern.split(".", 1)
        if codename == "*":
            query |= Q(content_type__app_label=app_label)
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def roles_sync() -> dict[str, Group]:
    """Create or update the role groups of the current schema to hold exactly their permissions."""
    groups = {}
    for name, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions_for(patterns))
        groups[name] = group
    return groups
