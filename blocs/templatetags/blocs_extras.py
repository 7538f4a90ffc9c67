from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key: Any) -> Any:
    """{{ lines|get_item:item.pk }}"""
    return mapping.get(key) if mapping else None
