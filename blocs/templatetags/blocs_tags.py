"""Template access to the same predicates the views use (blocs/permissions.py)."""

from __future__ import annotations

from typing import Any

from django import template

from blocs import permissions

register = template.Library()

PREDICATES = {
    "manage_bloc": permissions.can_manage_bloc,
    "manage_bloc_year": permissions.can_manage_bloc_year,
    "chair": permissions.can_chair,
    "register": permissions.can_register,
    "create_bloc": permissions.can_create_bloc,
    "create_unit": permissions.can_create_unit,
    "manage_catalogue": permissions.can_manage_catalogue,
    "import_archive": permissions.can_import_archive,
    "read_province": permissions.can_read_province,
    "manage_people": permissions.can_manage_people,
}


@register.simple_tag(takes_context=True)
def can(context: dict[str, Any], action: str, *objects: Any) -> bool:
    """{% can "manage_bloc_year" bloc_year as allowed %}"""
    return PREDICATES[action](permissions.roles_of(context["request"].user), *objects)
