"""The voting panel on a representative's home page: open rounds its units have not voted in yet."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Exists, OuterRef

from awards.models import Round, Turnout
from blocs.models import Membership
from blocs.permissions import roles_of

register = template.Library()


@register.inclusion_tag("awards/_open_rounds.html", takes_context=True)
def open_rounds_panel(context: dict[str, Any]) -> dict[str, Any]:
    roles = roles_of(context["request"].user)
    if not roles.rep_units:
        return {"rounds": []}
    years = Membership.objects.filter(unit__in=roles.rep_units).values("bloc_year")
    rounds = (Round.objects.filter(status=Round.Status.OPEN, bloc_year__in=years)
              .select_related("bloc_year__bloc")
              .annotate(has_voted=Exists(Turnout.objects.filter(round=OuterRef("pk"), unit__in=roles.rep_units,
                                                                voter__isnull=True)))
              .order_by("bloc_year", "order"))
    return {"rounds": list(rounds)}
