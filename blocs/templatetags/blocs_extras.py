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


@register.filter
def action_label(action: str) -> str:
    """{{ entry.action|action_label }}: the change log's words for an audit action (blocs/audit_labels.py)."""
    from blocs.audit_labels import action_label as label

    return label(action)


@register.filter
def change_lines(changes: dict) -> list:
    """{% for label, text in entry.changes|change_lines %}: each change in words, "old → new"."""
    from blocs.audit_labels import change_lines as lines

    return lines(changes)
