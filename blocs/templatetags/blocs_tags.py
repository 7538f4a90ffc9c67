"""Template access to the same predicates the views use: every app's permissions.py (blocs/permissions.py
`register_predicates`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.module_loading import autodiscover_modules

from blocs import permissions

register = template.Library()

autodiscover_modules("permissions")  # each app's permissions.py registers its predicates when imported


@register.simple_tag(takes_context=True)
def can(context: dict[str, Any], action: str, *objects: Any) -> bool:
    """{% can "manage_bloc_year" bloc_year as allowed %}; any app's predicate: {% can "open_close" bloc_year %}"""
    return permissions.predicate(action)(permissions.roles_of(context["request"].user), *objects)
