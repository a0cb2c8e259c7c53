"""The one place where organizations are created, changed, moved, dissolved and merged.

Views, management commands, the importer and tests all call these functions. Every
function expects to run inside `transaction.atomic()`; the ones that renumber paths
lock the parent rows they touch so that two writers cannot hand out the same segment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.orgs.models import (
    ALLOWED_FIELDS,
    ALLOWED_PARENT_LEVELS,
    MAX_DEPTH,
    SEGMENT_LENGTH,
    Field,
    Level,
    Organization,
    Status,
    decode_segment,
    encode_segment,
)


def placement_error(*, level: str, field: str, parent_level: str | None) -> str | None:
    """Why an organization of `level`/`field` cannot sit under `parent_level`, or None."""
    if level not in ALLOWED_FIELDS:
        return _("Unknown level “%(level)s”.") % {"level": level}
    if field not in ALLOWED_FIELDS[level]:
        return _("Field “%(field)s” is not allowed for level “%(level)s”.") % {
            "field": Field(field).label if field in Field.values else field,
            "level": Level(level).label,
        }
    if parent_level is not None and parent_level not in ALLOWED_PARENT_LEVELS[level]:
        return _("A %(level)s cannot be placed under a %(parent)s.") % {
            "level": Level(level).label,
            "parent": Level(parent_level).label,
        }
    return None


def _next_child_path(parent: Organization | None) -> str:
    siblings = (
        Organization.objects.filter(parent=parent)
        if parent
        else Organization.objects.filter(depth=1)
    )
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    number = decode_segment(last[-SEGMENT_LENGTH:]) + 1 if last else 0
    prefix = parent.path if parent else ""
    return prefix + encode_segment(number)


def _lock(org: Organization | None) -> None:
    if org is not None:
        Organization.objects.select_for_update().filter(pk=org.pk).exists()


def org_create(
    *,
    code: str,
    name: str,
    level: str,
    field: str,
    parent: Organization | None = None,
    short_name: str = "",
) -> Organization:
    """Create an organization as the last child of `parent` (or as a new root)."""
    item = NewOrganization(
        code=code,
        name=name,
        level=level,
        field=field,
        parent_code=parent.code if parent is not None else None,
        short_name=short_name,
    )
    return orgs_create(items=[item])[0]


@dataclass(frozen=True)
class NewOrganization:
    """One organization for `orgs_create`; its parent is an existing organization or
    an earlier item of the same call, named by code (None: a new root)."""

    code: str
    name: str
    level: str
    field: str
    parent_code: str | None = None
    short_name: str = ""


class BatchError(DomainError):
    """An item of `orgs_create` that cannot be created; `index` says which."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


BATCH_SIZE = 1000
LOOKUP_CHUNK = 500  # codes per IN (...) list


def orgs_create(*, items: list[NewOrganization]) -> list[Organization]:
    """Create organizations, each as the last child of its parent (or as a new root),
    in the order given (a parent before its children). Each existing parent is locked
    and its last child looked up once, and the rows go in in batches, so an import
    of thousands costs a few statements. All or nothing, inside the caller's
    transaction. `org_create` is this with one item."""
    new_codes = {item.code for item in items}
    existing_codes = sorted({item.parent_code for item in items if item.parent_code} - new_codes)
    with transaction.atomic():
        parents: dict[str, Organization] = {}
        next_number: dict[str, int] = {}
        for start in range(0, len(existing_codes), LOOKUP_CHUNK):
            chunk = existing_codes[start : start + LOOKUP_CHUNK]
            locked = Organization.objects.select_for_update().filter(code__in=chunk)
            parents.update((org.code, org) for org in locked.order_by("pk"))
            last_children = (
                Organization.objects.filter(parent__code__in=chunk)
                .values_list("parent__code")
                .annotate(last=Max("path"))
            )
            for code, path in last_children:
                next_number[code] = decode_segment(path[-SEGMENT_LENGTH:]) + 1
        last_root = (
            Organization.objects.filter(depth=1)
            .order_by("-path")
            .values_list("path", flat=True)
            .first()
        )
        next_root = decode_segment(last_root) + 1 if last_root else 0
        created: list[Organization] = []
        for index, item in enumerate(items):
            parent = parents.get(item.parent_code) if item.parent_code else None
            if item.parent_code and parent is None:
                raise BatchError(
                    index,
                    _("No organization has the code “%(code)s”.") % {"code": item.parent_code},
                )
            error = placement_error(
                level=item.level, field=item.field, parent_level=parent.level if parent else None
            )
            if error is None and parent is not None and not parent.is_active:
                error = _("%(name)s is no longer active.") % {"name": parent.name}
            if error is None and parent is not None and parent.depth >= MAX_DEPTH:
                error = _("The organization tree is at most %(n)d levels deep.") % {"n": MAX_DEPTH}
            if error:
                raise BatchError(index, error)
            if parent is None:
                path = encode_segment(next_root)
                next_root += 1
            else:
                number = next_number.get(parent.code, 0)
                next_number[parent.code] = number + 1
                path = parent.path + encode_segment(number)
            org = Organization(
                code=item.code,
                name=item.name,
                short_name=item.short_name,
                level=item.level,
                field=item.field,
                parent=parent,
                path=path,
                depth=len(path) // SEGMENT_LENGTH,
            )
            created.append(org)
            parents[item.code] = org
        # Parents first: a layer's rows take their parents' ids once those are saved.
        for depth in sorted({org.depth for org in created}):
            layer = [org for org in created if org.depth == depth]
            for start in range(0, len(layer), BATCH_SIZE):
                Organization.objects.bulk_create(layer[start : start + BATCH_SIZE])
    return created


def org_update(
    *,
    org: Organization,
    name: str,
    short_name: str,
    level: str,
    field: str,
) -> list[str]:
    """Change the descriptive fields; returns the names of the fields that changed."""
    parent_level = org.parent.level if org.parent_id and org.parent else None
    error = placement_error(level=level, field=field, parent_level=parent_level)
    if error:
        raise DomainError(error)
    if level != org.level:
        for child in org.children.all():
            child_error = placement_error(level=child.level, field=child.field, parent_level=level)
            if child_error:
                raise DomainError(child_error)
    changed = []
    for attribute, value in (
        ("name", name),
        ("short_name", short_name),
        ("level", level),
        ("field", field),
    ):
        if getattr(org, attribute) != value:
            setattr(org, attribute, value)
            changed.append(attribute)
    if changed:
        org.save(update_fields=[*changed, "updated_at"])
    return changed


def org_move(*, org: Organization, new_parent: Organization | None) -> None:
    """Move `org` and its whole subtree under `new_parent`, renumbering their paths."""
    if new_parent is not None and new_parent.path.startswith(org.path):
        raise DomainError(_("%(name)s cannot be moved under its own subtree.") % {"name": org.name})
    error = placement_error(
        level=org.level,
        field=org.field,
        parent_level=new_parent.level if new_parent else None,
    )
    if error:
        raise DomainError(error)
    with transaction.atomic():
        _lock(new_parent)
        old_path = org.path
        new_path = _next_child_path(new_parent)
        depth_change = (len(new_path) - len(old_path)) // SEGMENT_LENGTH
        max_depth = (
            org.subtree().order_by("-depth").values_list("depth", flat=True).first() or org.depth
        )
        if max_depth + depth_change > MAX_DEPTH:
            raise DomainError(
                _("The organization tree is at most %(n)d levels deep.") % {"n": MAX_DEPTH}
            )
        Organization.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        Organization.objects.filter(pk=org.pk).update(parent=new_parent)
        org.refresh_from_db()


def org_dissolve(
    *, org: Organization, on: datetime.date, actor: Any = None, request: Any = None
) -> None:
    """Mark `org` dissolved. Its active children must be moved or dissolved first."""
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if not org.is_active:
            raise DomainError(_("%(name)s is no longer active.") % {"name": org.name})
        if org.children.filter(status=Status.ACTIVE).exists():
            raise DomainError(
                _(
                    "%(name)s still has active subordinate organizations; "
                    "move or dissolve them first."
                )
                % {"name": org.name}
            )
        org.status = Status.DISSOLVED
        org.dissolved_on = on
        org.save(update_fields=["status", "dissolved_on", "updated_at"])
        audit_record(
            action="org.dissolve", actor=actor, target=org.name, organization=org, request=request
        )


def org_merge(
    *,
    org: Organization,
    into: Organization,
    on: datetime.date,
    actor: Any = None,
    request: Any = None,
) -> int:
    """Merge `org` into `into`: its active children move under `into`; `org` keeps its
    history with status merged. Returns how many children moved."""
    if org.pk == into.pk:
        raise DomainError(_("An organization cannot be merged into itself."))
    if not org.is_active or not into.is_active:
        raise DomainError(_("Only active organizations can be merged."))
    if into.path.startswith(org.path):
        raise DomainError(_("%(name)s cannot be merged into its own subtree.") % {"name": org.name})
    if org.level != into.level and org.level != Level.UNIT:
        raise DomainError(_("Organizations can only be merged into one of the same level."))
    with transaction.atomic():
        children = list(org.children.filter(status=Status.ACTIVE).order_by("path"))
        for child in children:
            org_move(org=child, new_parent=into)
            into.refresh_from_db()
        org.refresh_from_db()
        org.status = Status.MERGED
        org.dissolved_on = on
        org.merged_into = into
        org.save(update_fields=["status", "dissolved_on", "merged_into", "updated_at"])
        audit_record(
            action="org.merge",
            actor=actor,
            target=f"{org.name} → {into.name}",
            organization=org,
            request=request,
            detail={"children_moved": len(children)},
        )
    return len(children)
