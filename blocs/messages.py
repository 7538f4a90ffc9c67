"""Readable sentences for the issues that rules.py returns."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from emulation.kernel.issues import Issue
from emulation.kernel.numbers import shown

MESSAGES = {
    "year_before_bloc": _("Year %(year)s is before the bloc was founded (%(founded)s)."),
    "head_not_member": _("The head unit must be a member of the bloc this year."),
    "too_many_deputies": _("A bloc year has at most %(max)s deputy units."),
    "deputy_not_member": _("Every deputy unit must be a member of the bloc this year."),
    "deputy_is_head": _("A unit cannot be both head and deputy."),
    "deputy_twice": _("The same deputy unit is chosen twice."),
    "not_a_member": _("This unit is not a member of the bloc this year."),
    "registration_closed": _("Registration is not open in this bloc year."),
    "registration_already_submitted": _("This registration has already been submitted."),
    "score_not_a_number": _("A score must be a number."),
    "score_negative": _("A score cannot be below zero."),
    "score_over_max": _("A score cannot exceed the maximum of %(max)s points."),
}


def issue_text(issue: Issue) -> str:
    if not issue.params:
        return str(MESSAGES[issue.code])
    return str(MESSAGES[issue.code]) % {key: shown(value) for key, value in issue.params.items()}


def issue_texts(issues: list[Issue]) -> list[str]:
    return [issue_text(issue) for issue in issues]


def raise_issues(issues: list[Issue]) -> None:
    """Refuse with the issues' sentences, if there are any."""
    if issues:
        raise ValidationError(issue_texts(issues))
