"""The audit history: every status change of a table, reservation or note, and who made it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from reservations.models import ActorKind, StatusChange


def status_change_build(
    *,
    subject,
    from_status: str,
    to_status: str,
    by=None,
    actor_kind: str | None = None,
    reason: str = "",
) -> StatusChange:
    """One status change of a table, reservation or note, not saved yet."""
    if actor_kind is None:
        actor_kind = ActorKind.USER if by is not None else ActorKind.SYSTEM
    if actor_kind == ActorKind.USER:
        label = by.get_username() if by is not None else ""
    elif actor_kind == ActorKind.CUSTOMER:
        label = _("customer")
    else:
        label = _("system")
    return StatusChange(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        object_label=str(getattr(subject, "reference", None) or getattr(subject, "code", subject))[
            :60
        ],
        from_status=from_status or "",
        to_status=to_status,
        actor_kind=actor_kind,
        user=by if actor_kind == ActorKind.USER else None,
        actor_label=label,
        reason=reason[:255],
    )


def status_change_record(**change) -> StatusChange:
    """Record one status change of a table, reservation or note (see ``status_change_build``)."""
    recorded = status_change_build(**change)
    recorded.save()
    return recorded


def status_change_apply(
    *, subject, to: str, by=None, actor_kind: str | None = None, reason: str = ""
) -> None:
    """Save a locked table, reservation or note in its new status and record the move."""
    statuses_write([subject], to=to, by=by, actor_kind=actor_kind, reasons={subject.pk: reason})


def statuses_write(subjects: list, *, to: str, by, actor_kind, reasons: dict, **fields) -> None:
    """Write ``to`` (and ``fields``) on locked rows of one model in one UPDATE, and record
    each move in the audit history (``reasons`` by id) in one INSERT."""
    written = {"status": to, "updated_at": timezone.now(), **fields}
    type(subjects[0]).objects.filter(pk__in=[subject.pk for subject in subjects]).update(**written)
    changes = [
        status_change_build(
            subject=subject,
            from_status=subject.status,
            to_status=to,
            by=by,
            actor_kind=actor_kind,
            reason=reasons.get(subject.pk, ""),
        )
        for subject in subjects
    ]
    StatusChange.objects.bulk_create(changes)
    for subject in subjects:
        for field, value in written.items():
            setattr(subject, field, value)
