"""The seed year (tests/reports/test_report_seed.py) with a hostile payload in every free-text field.

Each field gets one of the six payloads followed by a tag naming the field (`<script>alert(1)</script>
[place]`), so that an output can be searched for each field separately; a payload stays at the start of its
value, where a spreadsheet would read `=`, `+` or `@` as a formula.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from awards.models import CommitteeMember, Meeting, Nomination, Round
from awards.services import dossier, nominations
from awards.services import rounds as round_services
from blocs.models import (
    Award,
    Bloc,
    BlocYear,
    CheckAssignment,
    CheckValue,
    Covenant,
    CovenantItem,
    Evidence,
    Registration,
    RoleGrant,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
    Unit,
    User,
)
from reports.models import NARRATIVE_SECTIONS, ReportVersion
from reports.services import report as report_services
from tests.factories import grant, make_user
from tests.reports.test_report_seed import MERIT, SeedYear, seed_draft, seed_year

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
]
FORMULA_PAYLOADS = PAYLOADS[3:]


def tagged(index: int, tag: str) -> str:
    return f"{PAYLOADS[index % len(PAYLOADS)]} [{tag}]"


# Unit names: one payload each, on the units the seed year's votes elect, so that they reach every document.
UNIT_TAGS = {"BTG": 0, "VPTU": 1, "DUK": 2, "BTC": 3, "BDV": 4, "BNC": 5}


@dataclass
class PayloadWorld:
    seed: SeedYear
    values: dict[str, str]  # tag -> the stored value
    version: ReportVersion  # circulated, commented and answered
    board: User
    checker: User  # the representative of the unit that cross-checks BDV

    @property
    def bloc_year(self):  # noqa: ANN201
        return self.seed.bloc_year

    def unit(self, code: str) -> Unit:
        return self.seed.meeting.units[code]


def _set(values: dict[str, str], tag: str, index: int) -> str:
    values[tag] = tagged(index, tag)
    return values[tag]


def _names(seed: SeedYear, values: dict[str, str]) -> None:
    for code, index in UNIT_TAGS.items():
        Unit.objects.filter(pk=seed.unit(code).pk).update(name=_set(values, f"unit-{code}", index))
    Unit.objects.filter(pk=seed.unit("BTG").pk).update(parent_body=_set(values, "parent-body", 5))
    Bloc.objects.filter(pk=seed.bloc_year.bloc_id).update(name=_set(values, "bloc", 1))
    BlocYear.objects.filter(pk=seed.bloc_year.pk).update(place_name=_set(values, "place-name", 2))
    Award.objects.filter(code=MERIT).update(name=_set(values, "award", 0))
    Round.objects.filter(pk=seed.rounds["head"].pk).update(title=_set(values, "round-title", 4))


def _covenant_and_registration(seed: SeedYear, values: dict[str, str]) -> None:
    Covenant.objects.filter(bloc_year=seed.bloc_year).update(signed_place=_set(values, "signed-place", 4))
    CovenantItem.objects.filter(covenant=seed.bloc_year.covenant).update(
        content=_set(values, "covenant-content", 0), target=_set(values, "covenant-target", 3))
    Registration.objects.filter(bloc_year=seed.bloc_year, unit=seed.unit("BDV")).update(
        targets=_set(values, "registration", 2))


def _scoring(seed: SeedYear, values: dict[str, str]) -> None:
    table = ScoringTable.objects.create(bloc_year=seed.bloc_year)
    item = ScoringItem.objects.create(table=table, code="1.1", text=_set(values, "item-text", 0),
                                      guidance=_set(values, "item-guidance", 1), group=_set(values, "item-group", 3),
                                      max_points=100)
    scorecard = Scorecard.objects.get(bloc_year=seed.bloc_year, unit=seed.unit("BDV"))
    scorecard.submitted_at = timezone.now()  # the locked scorecard shows the lines, comments and evidence
    scorecard.disqualification_note = _set(values, "disqualification-note", 3)
    scorecard.save(update_fields=["submitted_at", "disqualification_note"])
    line = ScoreLine.objects.create(scorecard=scorecard, item=item, self_value=90,
                                    self_comment=_set(values, "self-comment", 4),
                                    final_note=_set(values, "verify-note", 2))
    evidence = Evidence(line=line, name=_set(values, "evidence-name", 1), uploaded_by=seed.meeting.reps["BDV"])
    evidence.file.save("minh-chung.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    evidence.save()
    CheckAssignment.objects.create(bloc_year=seed.bloc_year, checker=seed.unit("BTC"), checked=seed.unit("BDV"))
    CheckValue.objects.create(line=line, checker=seed.unit("BTC"), value=88, comment=_set(values, "check-comment", 5))


def _meeting(seed: SeedYear, values: dict[str, str]) -> None:
    Meeting.objects.filter(bloc_year=seed.bloc_year).update(
        place=_set(values, "place", 0), guests=_set(values, "guests", 1), chair_name=_set(values, "chair-name", 4),
        secretary_name=_set(values, "secretary-name", 5))
    CommitteeMember.objects.filter(meeting__bloc_year=seed.bloc_year).update(name=_set(values, "committee", 2))


def _candidate_change(seed: SeedYear, values: dict[str, str]) -> None:
    """A reason for changing a draft round's list (the audit trail shows it); the round goes afterwards."""
    by = seed.bloc_year
    extra = Round.objects.create(bloc_year=by, rule_set=by.rule_sets.order_by("-version").first(),
                                 kind=Round.Kind.DEPUTY, quota=1, max_choices=1, title="Vòng thử")
    round_services.candidate_adjust(actor=seed.meeting.secretariat, round_=extra, unit=seed.unit("TCT"), add=True,
                                    reason=_set(values, "candidate-reason", 0))
    extra.delete()


def _dossier(seed: SeedYear, values: dict[str, str], board: User) -> None:
    by, secretariat = seed.bloc_year, seed.meeting.secretariat
    withdrawn = Nomination.objects.get(bloc_year=by, award__code=MERIT, unit=seed.unit("BNC"))
    nominations.nomination_withdraw(actor=secretariat, nomination=withdrawn,
                                    reason=_set(values, "withdrawal", 1))
    nominations.nomination_add_outside_vote(
        actor=secretariat, bloc_year=by, award=Award.objects.get(code=MERIT), unit=seed.unit("UBKT"),
        reason=_set(values, "outside-vote", 3))
    dossier.dossier_submit(actor=secretariat, bloc_year=by)
    dossier.dossier_return(actor=board, bloc_year=by, reason=_set(values, "return", 2))
    dossier.dossier_submit(actor=secretariat, bloc_year=by)
    dossier.dossier_accept(actor=board, bloc_year=by)
    proposed = Nomination.objects.filter(bloc_year=by, status=Nomination.Status.PROPOSED).order_by("pk")
    dossier.decision_record(
        actor=board, bloc_year=by, number=_set(values, "decision-number", 5), issuer=_set(values, "issuer", 1),
        signed_on=dt.date(2022, 12, 20), outcomes={n.pk: True for n in proposed[:2]})


def _report(seed: SeedYear, values: dict[str, str]) -> ReportVersion:
    narrative = {key: _set(values, f"section-{key}", index) for index, (key, _label) in enumerate(NARRATIVE_SECTIONS)}
    draft = seed_draft(seed, narrative)
    version = report_services.report_circulate(actor=seed.meeting.secretariat, version=draft)
    comment = report_services.comment_add(actor=seed.meeting.reps["BDV"], version=version, unit=seed.unit("BDV"),
                                          section="general", text=_set(values, "comment", 0))
    report_services.comment_answer(actor=seed.meeting.secretariat, comment=comment, answer="accepted",
                                   reason=_set(values, "answer", 1))
    return version


def build() -> PayloadWorld:
    seed = seed_year()
    values: dict[str, Any] = {}
    board = make_user("ban_tdkt_payload")
    grant(board, RoleGrant.Kind.BOARD, province=seed.bloc_year.bloc.province)
    _names(seed, values)
    _covenant_and_registration(seed, values)
    _scoring(seed, values)
    _meeting(seed, values)
    _candidate_change(seed, values)
    _dossier(seed, values, board)
    version = _report(seed, values)
    return PayloadWorld(seed=seed, values=values, version=version, board=board, checker=seed.meeting.reps["BTC"])
