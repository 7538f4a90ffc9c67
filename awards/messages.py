"""Readable sentences for the issues that awards/rules.py returns."""

from django.utils.translation import gettext_lazy as _

from blocs.rules import Issue

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
}


def issue_texts(issues: list[Issue]) -> list[str]:
    return [str(MESSAGES[i.code]) % i.params if i.params else str(MESSAGES[i.code]) for i in issues]
