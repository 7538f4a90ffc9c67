"""Readable sentences for the issues that awards/rules.py returns."""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

from awards import conditions
from emulation.kernel.issues import Issue
from emulation.kernel.numbers import shown

MESSAGES = {
    "negative_count": _("Counts cannot be negative."),
    "present_over_members": _("More units present than there are members."),
    "returned_over_issued": _("More ballots returned than issued."),
    "valid_over_returned": _("More valid ballots than ballots returned."),
    "quota_count_or_percent": _("Give the quota either as a count or as a percentage of members."),
    "quota_negative": _("A quota cannot be negative."),
    "quota_over_members": _("A quota of %(quota)s is more than the %(members)s member units."),
    "percent_out_of_range": _("A percentage quota lies between 0 and 100."),
    "pass_mark_out_of_range": _("The pass mark must be above 0 and at most 1 (100%)."),
    "unknown_comparator": _("Unknown comparator."),
    "unknown_base": _("Unknown base for the pass mark."),
    "choice_twice": _("The same unit is chosen twice."),
    "choice_off_list": _("The ballot names a unit that is not a candidate."),
    "too_many_choices": _("Choose at most %(max)s units."),
    "self_choice": _("In this round a unit may not choose itself."),
    "unknown_condition": _("Unknown eligibility condition."),
    "condition_number": _("This condition needs a number (a score from 0, a rank or a count of years from 1)."),
    "condition_needs_title": _("Say which title, award or rating the consecutive years are counted for."),
    "not_in_runoff": _("Was not among the units tied for the seats this runoff settles."),
    "already_proposed": _("Already proposed for %(award)s this year (one award per unit)."),
    "deputies_out_of_range": _("A bloc elects from 0 to %(max)s deputy units."),
    **conditions.messages(),  # the reasons of each eligibility condition kind, with the kind
}

RATING_PREFIX = "rating:"  # a rating named in a reason by its code, put into words when shown


def _shown(value: object) -> object:
    if isinstance(value, str) and value.startswith(RATING_PREFIX):
        from awards.models import Rating  # the models import the rules; the rules never import this module

        code = value.removeprefix(RATING_PREFIX)
        return str(Rating(code).label) if code in Rating.values else code
    return shown(value)


def issue_text(code: str, params: Mapping[str, object]) -> str:
    """One reason in the reader's language; a code this version does not know is shown as it is."""
    message = MESSAGES.get(code)
    if message is None:
        return code
    if not params:
        return str(message)
    try:
        return str(message) % {key: _shown(value) for key, value in params.items()}
    except (KeyError, TypeError, ValueError):  # a reason from elsewhere without all its values
        return str(message)


def issue_texts(issues: list[Issue]) -> list[str]:
    return [issue_text(i.code, i.params) for i in issues]
