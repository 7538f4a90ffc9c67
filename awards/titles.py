"""The titles of the voting rounds, written here only: the rounds a rule set makes and the runoff a tie opens.

A title is stored on its round in the language of the person who made it (the documents word their own
Vietnamese subjects, reports/documents.py `subject`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from awards.models import Round
from blocs.models import Award


def round_title(kind: str, *, year: int, award: Award | None = None) -> str:
    """A round of the meeting of `year`: the proposal for an award of that year, next year's head or deputies."""
    if kind == Round.Kind.AWARD:
        return _("Proposal for %(award)s %(year)s") % {"award": award.name, "year": year}
    if kind == Round.Kind.HEAD:
        return _("Election of the head unit for %(year)s") % {"year": year + 1}
    return _("Election of the deputy units for %(year)s") % {"year": year + 1}


def runoff_title(title: str) -> str:
    return _("Runoff: %(title)s") % {"title": title}
