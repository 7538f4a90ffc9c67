"""The change log in words (issue 10, item 4): a label for every audit action and a readable summary of its
changes, so that no developer code (`awards.ballot.cast`, `disqualified: None`) reaches a screen.

A new audit action needs its label here: tests/blocs/test_audit_labels.py reads every action the code writes
and fails on one without a label. Keys of `changes` are named by the model field of that name (its
translated verbose name) or by `KEY_LABELS`; a value that is a choice code is shown by its label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emulation.kernel.numbers import format_number

APPS = ("blocs", "awards", "reports")
DECIMAL = re.compile(r"-?\d+\.\d+")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ITEM_CODE = re.compile(r"[0-9A-Za-z]+(\.[0-9A-Za-z]+)+")  # a scoring item's code, "1.2"

ACTIONS = {
    "awards.ballot.cast": gettext_lazy("Ballot cast"),
    "awards.ballot.cast_by_card": gettext_lazy("Ballot cast with a voting card"),
    "awards.cards.issued": gettext_lazy("Voting cards printed"),
    "awards.card.voided": gettext_lazy("Voting card voided"),
    "awards.ballot_box.opened": gettext_lazy("Ballot box sealed for the meeting"),
    "awards.candidate.added": gettext_lazy("Candidate added"),
    "awards.candidate.removed": gettext_lazy("Candidate removed"),
    "awards.candidates.generated": gettext_lazy("Candidates listed"),
    "awards.decision.recorded": gettext_lazy("Commendation decision recorded"),
    "awards.dossier.submitted": gettext_lazy("Proposal dossier submitted"),
    "awards.dossier.returned": gettext_lazy("Proposal dossier returned for correction"),
    "awards.dossier.accepted": gettext_lazy("Proposal dossier accepted"),
    "awards.dossier.decided": gettext_lazy("Province's decision recorded on the dossier"),
    "awards.history.imported": gettext_lazy("Past years' awards imported"),
    "awards.meeting.saved": gettext_lazy("Meeting saved"),
    "awards.nomination.added_outside_vote": gettext_lazy("Proposal added outside the vote"),
    "awards.nomination.withdrawn": gettext_lazy("Proposal withdrawn"),
    "awards.paper.counted": gettext_lazy("Paper ballots counted"),
    "awards.paper.entered": gettext_lazy("Paper ballot entered"),
    "awards.paper.reconciled": gettext_lazy("Paper ballot entries reconciled"),
    "awards.round.closed": gettext_lazy("Round closed and counted"),
    "awards.round.online_discarded": gettext_lazy("Online ballots of a round discarded"),
    "awards.round.opened": gettext_lazy("Round opened"),
    "awards.round.settings_changed": gettext_lazy("Round settings changed"),
    "awards.rounds.generated": gettext_lazy("Voting rounds prepared"),
    "awards.rule_set.created": gettext_lazy("Voting rules set"),
    "awards.rule_set.revised": gettext_lazy("Voting rules revised"),
    "blocs.account.created": gettext_lazy("Account created"),
    "blocs.administrator.created": gettext_lazy("Administrator account created"),
    "blocs.archive.imported": gettext_lazy("Year imported from an archive"),
    "blocs.award.created": gettext_lazy("Award added to the catalogue"),
    "blocs.award.updated": gettext_lazy("Award of the catalogue changed"),
    "blocs.bloc.created": gettext_lazy("Bloc created"),
    "blocs.bloc.updated": gettext_lazy("Bloc changed"),
    "blocs.bloc_year.created": gettext_lazy("Year opened"),
    "blocs.bloc_year.leadership_set": gettext_lazy("Head and deputy units set"),
    "blocs.bloc_year.next_opened": gettext_lazy("Next year opened"),
    "blocs.bloc_year.status_changed": gettext_lazy("Year moved to its next step"),
    "blocs.bloc_year.updated": gettext_lazy("Year changed"),
    "blocs.bloc_year.dates_updated": gettext_lazy("Year's dates changed"),
    "blocs.calendar_feed.created": gettext_lazy("Calendar link created"),
    "blocs.calendar_feed.revoked": gettext_lazy("Calendar link revoked"),
    "blocs.user.reminders_set": gettext_lazy("Email reminders turned on or off"),
    "blocs.check_scores.saved": gettext_lazy("Cross-check scores saved"),
    "blocs.covenant.updated": gettext_lazy("Covenant changed"),
    "blocs.evidence.added": gettext_lazy("Evidence attached"),
    "blocs.members.imported": gettext_lazy("Members imported"),
    "blocs.membership.added": gettext_lazy("Member unit added"),
    "blocs.membership.removed": gettext_lazy("Member unit removed"),
    "blocs.registration.saved": gettext_lazy("Registration saved"),
    "blocs.registration.submitted": gettext_lazy("Registration submitted"),
    "blocs.role.granted": gettext_lazy("Role given"),
    "blocs.role.revoked": gettext_lazy("Role removed"),
    "blocs.role.standing_changed": gettext_lazy("Representative made principal or deputy"),
    "blocs.province.created": gettext_lazy("Province created"),
    "blocs.scorecard.verified": gettext_lazy("Scores verified"),
    "blocs.scores.published": gettext_lazy("Score table published"),
    "blocs.scoring.opened": gettext_lazy("Scoring opened"),
    "blocs.scoring_item.deleted": gettext_lazy("Scoring item deleted"),
    "blocs.scoring_item.saved": gettext_lazy("Scoring item saved"),
    "blocs.scoring_table.created": gettext_lazy("Scoring table created"),
    "blocs.scoring_table.imported": gettext_lazy("Scoring table imported"),
    "blocs.scoring_table.updated": gettext_lazy("Scoring table changed"),
    "blocs.self_scores.imported": gettext_lazy("Self-assessment imported from Excel on the unit's behalf"),
    "blocs.self_scores.saved": gettext_lazy("Self-assessment saved"),
    "blocs.self_scores.saved_on_behalf": gettext_lazy("Self-assessment saved on the unit's behalf"),
    "blocs.self_scores.submitted": gettext_lazy("Self-assessment submitted"),
    "blocs.self_scores.submitted_on_behalf": gettext_lazy("Self-assessment submitted on the unit's behalf"),
    "blocs.signin.locked": gettext_lazy("Sign-in paused"),
    "blocs.signin.unlocked": gettext_lazy("Sign-in pause lifted"),
    "blocs.signin_link.issued": gettext_lazy("Sign-in link issued"),
    "blocs.unit.created": gettext_lazy("Unit created"),
    "blocs.unit.updated": gettext_lazy("Unit changed"),
    "blocs.unit.merged": gettext_lazy("Units merged"),
    "blocs.unit.split": gettext_lazy("Unit split"),
    "blocs.province.merged": gettext_lazy("Provinces merged"),
    "reports.comment.added": gettext_lazy("Comment on the report"),
    "reports.comment.answered": gettext_lazy("Comment answered"),
    "reports.document.numbered": gettext_lazy("Document numbers set"),
    "reports.documents.sent": gettext_lazy("Documents stored as sent to the province"),
    "reports.document.new_version": gettext_lazy("New version of a document sent to the province"),
    "reports.report.adopted": gettext_lazy("Report adopted"),
    "reports.report.circulated": gettext_lazy("Report circulated for comments"),
    "reports.report.correction_created": gettext_lazy("Correction of the report started"),
    "reports.report.draft_created": gettext_lazy("Report draft created"),
    "reports.report.narrative_updated": gettext_lazy("Report text changed"),
    "reports.report.signature_uploaded": gettext_lazy("Signed report uploaded"),
    "reports.report.signed": gettext_lazy("Report signed on the server"),
    "reports.letter.signature_uploaded": gettext_lazy("Signed submission letter uploaded"),
    "reports.letter.signed": gettext_lazy("Submission letter signed on the server"),
}

# Keys of `changes` that are not a model field of that name.
KEY_LABELS = {
    "answer": gettext_lazy("answer"),
    "assignments": gettext_lazy("cross-check assignments"),
    "awards": gettext_lazy("awards"),
    "awards_created": gettext_lazy("awards added to the catalogue"),
    "ballots": gettext_lazy("ballots"),
    "by": gettext_lazy("handed over by"),
    "candidates": gettext_lazy("candidates"),
    "card": gettext_lazy("card number"),
    "cards": gettext_lazy("cards"),
    "check_mode": gettext_lazy("cross-checking"),
    "copied_from": gettext_lazy("copied from"),
    "corrects": gettext_lazy("corrects"),
    "date": gettext_lazy("date"),
    "decisions": gettext_lazy("decisions"),
    "deputies": gettext_lazy("deputy units"),
    "discarded": gettext_lazy("discarded"),
    "disqualified": gettext_lazy("not considered for emulation"),
    "documents": gettext_lazy("documents"),
    "dossier_steps": gettext_lazy("dossier steps"),
    "elected": gettext_lazy("elected"),
    "evidence_on_paper": gettext_lazy("criteria whose evidence came on paper"),
    "failures": gettext_lazy("failed attempts"),
    "file": gettext_lazy("file"),
    "final_total": gettext_lazy("final score"),
    "format": gettext_lazy("archive format"),
    "head": gettext_lazy("head unit"),
    "ip": gettext_lazy("address"),
    "issued_documents": gettext_lazy("numbered documents"),
    "item": gettext_lazy("item"),
    "items": gettext_lazy("items"),
    "members": gettext_lazy("members"),
    "nominations": gettext_lazy("proposals"),
    "note": gettext_lazy("note"),
    "numbers": gettext_lazy("numbers"),
    "present": gettext_lazy("present"),
    "reason": gettext_lazy("reason"),
    "registrations": gettext_lazy("registrations"),
    "replaced": gettext_lazy("replaced"),
    "report_versions": gettext_lazy("report versions"),
    "role": gettext_lazy("role"),
    "rounds": gettext_lazy("rounds"),
    "rows": gettext_lazy("rows"),
    "runoff": gettext_lazy("units to vote on again"),
    "rule_sets": gettext_lazy("rule sets"),
    "scope": gettext_lazy("where"),
    "scorecards": gettext_lazy("scorecards"),
    "section": gettext_lazy("section"),
    "spares": gettext_lazy("spare cards"),
    "sections": gettext_lazy("sections"),
    "superseded": gettext_lazy("replaces"),
    "targets": gettext_lazy("targets"),
    "text": gettext_lazy("text"),
    "units": gettext_lazy("units"),
    "units_created": gettext_lazy("units created"),
    "until": gettext_lazy("until"),
    "username": gettext_lazy("sign-in name"),
    "version": gettext_lazy("version"),
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else _("Other change")


def _fields_named(key: str) -> Iterable[models.Field]:
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            try:
                yield model._meta.get_field(key)
            except FieldDoesNotExist:
                continue


@lru_cache(maxsize=256)
def _field(key: str) -> models.Field | None:
    """The first model field of that name in our apps (looked up once per key, not once per entry)."""
    return next((f for f in _fields_named(key) if getattr(f, "verbose_name", None)), None)


def key_label(key: str) -> str:
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    field = _field(key)
    if field is not None:
        return str(field.verbose_name)
    return key.replace("_", " ")


def value_text(value: Any, key: str = "") -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, dict):
        return "; ".join(f"{key_label(k)}: {value_text(v, k)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(item, key) for item in value)
    if isinstance(value, str) and DECIMAL.fullmatch(value):
        return format_number(value)
    if isinstance(value, str) and DAY.fullmatch(value):
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if isinstance(value, str) and MOMENT.match(value):
        moment = dt.datetime.fromisoformat(value)
        return date_format(localtime(moment) if is_aware(moment) else moment, "SHORT_DATETIME_FORMAT")
    if isinstance(value, str) and key:
        field = _field(key)
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if key == "role":
            from blocs.models import RoleGrant

            return str(dict(RoleGrant.Kind.choices).get(value, value))
    return str(value)


def change_lines(changes: dict[str, Any] | None) -> list[tuple[str, str]]:
    """[(label, text)]: a change [old, new] of one key reads "old → new"."""
    lines = []
    for key, value in (changes or {}).items():
        if ITEM_CODE.fullmatch(key) and isinstance(value, list) and len(value) == 2:
            lines.append((key, f"{value_text(value[0])} ({value_text(value[1])})"))  # a verified score and its note
            continue
        pair = isinstance(value, list) and len(value) == 2
        if pair and (all(isinstance(v, list) for v in value)
                     or (key not in KEY_LABELS and not any(isinstance(v, (list, dict)) for v in value))):
            text = f"{value_text(value[0], key)} → {value_text(value[1], key)}"
        else:
            text = value_text(value, key)
        lines.append((key_label(key), text))
    return lines
