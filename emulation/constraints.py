"""Database rules in words (issue 10, item 4): a sentence for every named constraint, so that a form never
shows "Constraint “bloc_founded_year_plausible” is violated."; and Vietnamese for the messages of Django's
own that its Vietnamese catalogue leaves empty (they are marked here, translated in our catalogue, which
Django reads first).

A new constraint needs its sentence here: tests/blocs/test_messages_vietnamese.py fails on one without.
"""

from __future__ import annotations

from typing import Any

from django.db.models.constraints import BaseConstraint
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

MESSAGES = {
    # blocs
    "unit_not_renamed_from_itself": _("A unit cannot be renamed from itself."),
    "unit_not_merged_into_itself": _("A unit cannot be merged into itself."),
    "unit_ended_is_inactive": _("A unit that ended by a merger or split is no longer active."),
    "province_not_merged_into_itself": _("A province cannot be merged into itself."),
    "province_merger_has_date": _("A merger of provinces needs its effective date."),
    "unit_change_provinces_match_kind": _("A merger of provinces names two different provinces; a merger or "
                                          "split of units names none."),
    "bloc_founded_year_plausible": _("The founding year must be between 1945 and 2200."),
    "award_for_someone": _("An award is for collectives, for individuals, or both: tick at least one."),
    "bloc_year_unique": _("This bloc already has this year."),
    "bloc_year_plausible": _("The year must be between 1945 and 2200."),
    "membership_one_bloc_per_unit_year": _("This unit is already a member of another bloc this year."),
    "membership_one_head_per_year": _("This year already has a head unit."),
    "role_grant_scope_matches_kind": _("This role does not fit where it was given."),
    "role_grant_secretariat_unique": _("This person is already the bloc's secretariat."),
    "role_grant_representative_unique": _("This person already represents this unit."),
    "role_grant_chair_unique": _("This person is already the chair of this year."),
    "role_grant_board_unique": _("This person is already on the province board."),
    "role_grant_deputy_is_representative": _("Only a unit representative can be a deputy."),
    "covenant_item_order_unique": _("Two covenant items have the same number."),
    "registration_one_per_unit_year": _("This unit has already registered this year."),
    "reminder_sent_once": _("This reminder has already been sent to this person."),
    "registration_late_only_when_submitted": _("Only a submitted registration can be late."),
    "scoring_table_limits": _("The maximum total must be above 0 and the bonus cap at least 0."),
    "scoring_item_code_unique": _("Another item of the table already has this code."),
    "scoring_item_max_not_negative": _("The maximum points cannot be negative."),
    "scorecard_one_per_unit_year": _("This unit already has a scorecard this year."),
    "scorecard_on_behalf_has_received_on": _("Self-scores entered on a unit's behalf need the day they were "
                                             "received."),
    "score_line_unique": _("This item is already scored on this scorecard."),
    "score_line_not_negative": _("Scores cannot be negative."),
    "check_value_unique": _("This unit has already cross-checked this item."),
    "check_value_not_negative": _("Scores cannot be negative."),
    "check_assignment_unique": _("This cross-check is already assigned."),
    "check_assignment_not_self": _("A unit does not cross-check itself."),
    "signin_address_once_per_user": _("This address is already recorded for this account."),
    # awards
    "rule_set_version_unique": _("This version of the rules already exists."),
    "rule_set_fractions_valid": _("A threshold's numerator cannot exceed its denominator, which must be above 0."),
    "category_rule_unique": _("This award already has a line in the rules."),
    "category_rule_count_or_percent": _("Give the quota as a number of units or as a percentage, not both."),
    "attendance_unique": _("This unit's attendance is already recorded."),
    "attendance_online_is_present": _("A unit attending online is present: tick it as present too."),
    "round_award_has_award": _("An award round needs its award."),
    "round_max_choices_positive": _("A ballot allows at least one choice."),
    "round_fractions_valid": _("A threshold's numerator cannot exceed its denominator, which must be above 0."),
    "candidate_unique": _("This unit is already a candidate in this round."),
    "turnout_one_per_unit": _("This unit has already voted in this round."),
    "turnout_one_per_delegate": _("This person has already voted in this round."),
    "ballot_receipt_unique": _("This receipt already exists in this round."),
    "voting_card_number_unique": _("This meeting already has a card with this number."),
    "voting_card_void_has_reason": _("A voided card needs the reason it was voided."),
    "card_vote_one_per_round": _("This card has already voted in this round."),
    "paper_count_valid_le_returned": _("Valid ballots cannot outnumber the ballots returned."),
    "condition_consecutive_names_what": _("A condition on consecutive years names the award or the rating."),
    "condition_number_given": _("This condition needs its number."),
    "history_award_or_rating": _("A line of history is either an award or a rating."),
    "history_award_once_a_year": _("This unit already has this award for this year."),
    "history_one_rating_a_year": _("This unit already has a rating for this year."),
    "nomination_once_per_award": _("This unit is already proposed for this award."),
    "nomination_outside_vote_has_reason": _("A proposal outside the vote needs its reason."),
    "nomination_withdrawal_has_its_reason": _("A withdrawn proposal needs its reason."),
    "decision_number_unique": _("This decision number is already recorded for this issuer and year."),
    # reports
    "report_version_unique": _("This version of the report already exists."),
    "report_adopted_is_frozen": _("An adopted report keeps its date and its signed PDF."),
    "sent_document_unique": _("This version of the document has already been sent."),
    "sent_ballot_unique": _("This version of the ballot paper has already been sent."),
    "sent_document_ballot_round": _("A ballot paper as sent belongs to its round; the other documents to no round."),
    "sent_document_new_version_reason": _("A new version of a document already sent says why it was made."),
    "sent_document_version_from_one": _("The versions of a document as sent are numbered from 1."),
    "comment_answer_has_time": _("An answer needs its time."),
    "issued_document_unique": _("This document already has a number this year."),
}

def readable(message: str) -> str:
    """The sentence for a message naming a constraint, else the message as it was."""
    patterns = {"Constraint “%(name)s” is violated.", str(BaseConstraint.default_violation_error_message)}
    for name, sentence in MESSAGES.items():
        if any(message == pattern % {"name": name} for pattern in patterns):
            return str(sentence)
    return message


class ReadableConstraintsMixin:
    """For model forms: constraint failures in words."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        errors: dict[str, Any] = self._errors  # type: ignore[attr-defined]
        for field, messages in list(errors.items()):
            texts = [readable(str(message)) for message in messages]
            if texts != [str(message) for message in messages]:
                errors[field] = self.error_class(texts, renderer=self.renderer)  # type: ignore[attr-defined]


# Django's own messages that a user can meet and that its Vietnamese catalogue leaves untranslated.
DJANGO_MESSAGES = [
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    gettext_noop("Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens."),
    gettext_noop("File extension “%(extension)s” is not allowed. Allowed extensions are: "
                 "%(allowed_extensions)s."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("“%(value)s” value must be a decimal number."),
    gettext_noop("“%(value)s” value must be an integer."),
    gettext_noop("“%(value)s” value has an invalid date format. It must be in YYYY-MM-DD format."),
    gettext_noop("“%(value)s” value has the correct format (YYYY-MM-DD) but it is an invalid date."),
    gettext_noop("“%(value)s” is not a valid UUID."),
    gettext_noop("Enter a valid duration."),
    gettext_noop("Enter a complete value."),
    gettext_noop("Enter a valid UUID."),
    gettext_noop("Enter a valid JSON."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("%(model)s instance with %(field)s %(value)r does not exist."),
    gettext_noop("%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous "
                 "or it may not exist."),
    gettext_noop("That page number is not an integer"),
    gettext_noop("That page number is less than 1"),
    gettext_noop("That page contains no results"),
    gettext_noop("Forbidden"),
    gettext_noop("CSRF verification failed. Request aborted."),
    gettext_noop("Date out of range"),
]
