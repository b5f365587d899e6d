from rest_framework.permissions import BasePermission, DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    """Django's model permissions, reads included: listing needs the "view" permission."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


def needs(*permissions: str) -> type[BasePermission]:
    """A permission class for a view that is no model's list (availability, a report): the
    user must hold every one of ``permissions`` ("app_label.codename"), as in the admin."""

    class Needs(BasePermission):
        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(permissions))

    Needs.__name__ = Needs.__qualname__ = f"Needs({', '.join(permissions)})"
    return Needs
