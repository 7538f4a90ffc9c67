from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    """{{ lines|get_item:item.pk }}"""
    return mapping.get(key) if mapping else None


@register.filter
def pairs(mapping: dict) -> list:
    """{% for key, value in entry.changes|pairs %}: a dict's own "items" key would shadow `.items`."""
    return sorted(mapping.items()) if isinstance(mapping, dict) else []
