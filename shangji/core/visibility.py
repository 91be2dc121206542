"""O2 row visibility: one rule for pages, API, exports, search, dashboards and notifications.

A user's *scope* says whose records they see:
- admins, directors, sales ops and finance see the whole company;
- a manager sees records owned by anyone in their org subtree;
- everyone else sees records they own;
and on top of that anyone sees records explicitly shared with them (collaborators).
Each model says how the scope applies to it in `visibility_q(scope)`; querysets expose
`visible_to(user)`. See docs/adr/0001-row-visibility.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    sees_all: bool
    owner_ids: frozenset[int]  # owners whose records the user sees by hierarchy (always includes the user)
    # Per-request answers the models compute once (e.g. the ids shared with the user).
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def remember(self, key: str, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


NOBODY = Scope(user_id=None, sees_all=False, owner_ids=frozenset())


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_shangji_scope", None)
    if cached is not None:
        return cached
    from shangji.org.models import User  # org depends on core, not the other way round at import time

    if user.sees_whole_company:
        scope = Scope(user_id=user.pk, sees_all=True, owner_ids=frozenset())
    elif user.is_manager and user.org_unit_id:
        ids = User.objects.filter(org_unit__path__startswith=user.org_unit.path).values_list("pk", flat=True)
        scope = Scope(user_id=user.pk, sees_all=False, owner_ids=frozenset(ids) | {user.pk})
    else:
        scope = Scope(user_id=user.pk, sees_all=False, owner_ids=frozenset({user.pk}))
    user._shangji_scope = scope
    return scope


class VisibleQuerySet(models.QuerySet):
    """Base queryset for business records; the model implements `visibility_q(scope)`."""

    def visible_to(self, user) -> VisibleQuerySet:
        scope = scope_for(user)
        if scope.user_id is None:
            return self.none()
        if scope.sees_all:
            return self
        return self.filter(self.model.visibility_q(scope))


def can_change(user, owner_id: int | None) -> bool:
    """Who may edit a visible record: its owner, their managers, and admins/directors/sales ops.
    Collaborators and finance see records but do not change them."""
    scope = scope_for(user)
    if scope.user_id is None:
        return False
    if scope.sees_all:
        return user.can_edit_everything
    return owner_id in scope.owner_ids
