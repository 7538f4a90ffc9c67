"""Numbering the year-end meeting's documents: the secretariat sets each one's number and date (issue 5,
item 3). The bloc's documents share one sequence of numbers per calendar year (reports/rules.py
`number_clashes`); the report takes its number when it is adopted (reports/services/report.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from blocs.audit import audit
from blocs.models import BlocYear, User
from blocs.writable import ensure_writable
from reports import rules
from reports.models import IssuedDocument, ReportVersion
from reports.queries.documents import NUMBERED
from reports.rules import NumberUse, number_clashes

Kind = IssuedDocument.Kind


def _number_uses(bloc_year: BlocYear, exclude_kinds: Sequence[str]) -> list[NumberUse]:
    """Numbers already used by the bloc: other documents' numbers and the adopted reports' numbers."""
    uses = [NumberUse(f"{Kind(d.kind).label} {d.bloc_year.year}", d.number,
                      d.issued_on.year if d.issued_on else d.bloc_year.year)
            for d in IssuedDocument.objects.filter(bloc_year__bloc=bloc_year.bloc_id, number__isnull=False)
            .select_related("bloc_year") if not (d.bloc_year_id == bloc_year.pk and d.kind in exclude_kinds)]
    uses += [NumberUse(f"{Kind.REPORT.label} {v.bloc_year.year}", v.doc_number,
                       v.doc_date.year if v.doc_date else v.bloc_year.year)
             for v in ReportVersion.objects.filter(bloc_year__bloc=bloc_year.bloc_id, doc_number__isnull=False)
             .select_related("bloc_year")]
    return uses


@transaction.atomic
def issued_documents_set(*, actor: User | None, bloc_year: BlocYear,
                         values: Mapping[str, tuple[int | None, dt.date | None]]) -> list[IssuedDocument]:
    """Set the number and date of the meeting's documents; a number below 1 or already used is refused."""
    bloc_year = BlocYear.objects.select_for_update().select_related("bloc").get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    errors: dict[str, list[str]] = {}
    for kind, (number, _day) in values.items():
        if kind not in NUMBERED:
            raise ValidationError(f"{kind} is not numbered here")
        if number is not None and number < 1:
            errors.setdefault(f"{kind}_number", []).append(_("A document number is a whole number from 1 up."))
    wanted = [NumberUse(kind, number, day.year if day else bloc_year.year)
              for kind, (number, day) in values.items() if number]
    taken = _number_uses(bloc_year, exclude_kinds=list(values))
    for use, other in number_clashes(wanted, taken):
        label = str(Kind(other.label).label) if other.label in Kind.values else other.label
        errors.setdefault(f"{use.label}_number", []).append(
            _("Number %(number)s of %(year)s is already given to: %(document)s.")
            % {"number": rules.two_digits(use.number), "year": use.year, "document": label})
    if errors:
        raise ValidationError(errors)
    saved = []
    for kind, (number, day) in values.items():
        document, _created = IssuedDocument.objects.update_or_create(
            bloc_year=bloc_year, kind=kind, defaults={"number": number, "issued_on": day})
        saved.append(document)
    audit(actor=actor, action="reports.document.numbered", bloc_year=bloc_year, obj=bloc_year,
          changes={kind: [number, day.isoformat() if day else None] for kind, (number, day) in values.items()})
    return saved

