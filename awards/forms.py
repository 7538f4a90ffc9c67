"""Forms of the vote: rule set, meeting, round settings, a ballot, a paper ballot, counts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from awards.models import Ballot, CategoryRule, Meeting, Round, RuleSet
from blocs.models import Unit
from emulation.constraints import ReadableConstraintsMixin
from emulation.kernel.fields import NumberInput, WholeNumberField, number_formfield
from emulation.kernel.forms import BoundedModelMultipleChoiceField, DateInput, NFCMixin

# The largest count the database stores in a PositiveIntegerField everywhere (PostgreSQL's integer); a larger
# one was sent to it and refused with a server error (found by tests/security/test_form_fuzz.py).
MAX_COUNT = 2_147_483_647


class RuleSetForm(ReadableConstraintsMixin, forms.ModelForm):
    note = forms.CharField(label=_("What changed (recorded with the new version)"), max_length=300)

    class Meta:
        model = RuleSet
        fields = ["voters", "quorum_numerator", "quorum_denominator", "pass_numerator", "pass_denominator",
                  "comparator", "base", "allow_self", "one_award_per_unit", "gov_flag_must_top", "history_carried_over",
                  "deputies", "note"]
        # A text input (it reads "2" and refuses "1,5"): min and max are not allowed on it in HTML; the range is
        # the rule's (awards/rules.py, deputies_out_of_range).
        widgets = {"deputies": NumberInput(whole=True)}
        formfield_callback = number_formfield

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for top, bottom, label in (("pass_numerator", "pass_denominator", _("pass mark")),
                                   ("quorum_numerator", "quorum_denominator", _("quorum"))):
            num, den = cleaned.get(top), cleaned.get(bottom)
            if num is not None and den is not None and not (0 < num <= den):
                self.add_error(top, _("The %(what)s must be above 0 and at most 1 (numerator ≤ denominator).")
                               % {"what": label})
        return cleaned


class CategoryRuleForm(ReadableConstraintsMixin, forms.ModelForm):
    class Meta:
        model = CategoryRule
        fields = ["award", "quota_count", "quota_percent", "rounding"]
        formfield_callback = number_formfield

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("quota_count") is None) == (cleaned.get("quota_percent") is None):
            raise forms.ValidationError(_("Give the quota either as a count or as a percentage of members."))
        return cleaned

    def validate_unique(self) -> None:
        """Checked by the service."""


class MeetingForm(ReadableConstraintsMixin, NFCMixin, forms.ModelForm):
    present = BoundedModelMultipleChoiceField(label=_("Units present"), queryset=Unit.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, required=False)
    online = BoundedModelMultipleChoiceField(
        label=_("Present online"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Units present by video link. When the meeting votes with cards and accounts, these vote with "
                    "their accounts and the units in the room with the cards handed out there."))
    absence_reasons = forms.CharField(
        label=_("Reasons for absence"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: short code, a colon, the reason. e.g. “BNC: on mission”."))
    committee = forms.CharField(
        label=_("Counting committee"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One person per line, the head of the committee first."))

    class Meta:
        model = Meeting
        fields = ["held_on", "starts_at", "place", "chair_name", "secretary_name", "guests", "voting_mode"]
        widgets = {"held_on": DateInput(), "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members
        self.fields["online"].queryset = members
        self.members = {unit.short_code: unit for unit in members}

    def clean_absence_reasons(self) -> dict[int, str]:
        reasons = {}
        for line in (self.cleaned_data.get("absence_reasons") or "").splitlines():
            if not line.strip():
                continue
            code, colon, reason = line.partition(":")
            unit = self.members.get(code.strip().upper())
            if not colon or unit is None:
                raise forms.ValidationError(_("“%(line)s”: start with a member's short code and a colon.")
                                            % {"line": line.strip()})
            reasons[unit.pk] = reason.strip()
        return reasons

    def clean_committee(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("committee") or "").splitlines() if line.strip()]


class RoundSettingsForm(ReadableConstraintsMixin, forms.ModelForm):
    class Meta:
        model = Round
        fields = ["title", "quota", "max_choices", "pass_numerator", "pass_denominator", "comparator", "base",
                  "voters", "allow_self", "two_person_entry"]
        formfield_callback = number_formfield

    def clean(self) -> dict[str, Any]:
        """The ballot says "choose at most N" where N is the round's quota (domain.md §3): a ballot of fewer
        choices cannot fill the seats, one of more makes valid-looking papers invalid."""
        cleaned = super().clean()
        quota, choices = cleaned.get("quota"), cleaned.get("max_choices")
        if quota is not None and choices is not None and quota > 0 and choices != quota:
            self.add_error("max_choices", _(
                "The ballot lets each voter choose at most as many units as the round proposes: set it to "
                "%(quota)s, the quota (it is %(choices)s).") % {"quota": quota, "choices": choices})
        return cleaned


class CandidateChangeForm(NFCMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    action = forms.ChoiceField(label=_("Change"), choices=[("add", _("Add to the list")),
                                                           ("remove", _("Remove from the list"))])
    reason = forms.CharField(label=_("Reason (recorded)"), max_length=300)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = members


class BallotForm(forms.Form):
    """The voter's choices: at most N, from the list."""

    choices = BoundedModelMultipleChoiceField(label=_("Your choices"), queryset=Unit.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args: Any, candidates: Any, max_choices: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choices"].queryset = candidates
        self.max_choices = max_choices

    def clean_choices(self) -> Any:
        choices = self.cleaned_data["choices"]
        if len(choices) > self.max_choices:
            raise forms.ValidationError(_("Choose at most %(max)s units.") % {"max": self.max_choices})
        return choices


class PaperBallotForm(forms.Form):
    choices = BoundedModelMultipleChoiceField(label=_("Units ticked on the paper"), queryset=Unit.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, required=False)
    invalid_reason = forms.ChoiceField(label=_("Or: the paper is invalid because"), required=False,
                                       choices=[("", _("— the paper is valid —")), *Ballot.Invalid.choices])
    clerk = forms.ChoiceField(label=_("Entry"), required=False, choices=[("A", "A"), ("B", "B")])

    def __init__(self, *args: Any, candidates: Any, two_person: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choices"].queryset = candidates
        if not two_person:
            del self.fields["clerk"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("choices") and not cleaned.get("invalid_reason"):
            raise forms.ValidationError(_("Tick the units on the paper, or say why it is invalid (blank, ...)."))
        return cleaned


class PaperCountForm(forms.Form):
    returned = WholeNumberField(label=_("Paper ballots returned"), min_value=0, max_value=MAX_COUNT)
    valid = WholeNumberField(label=_("Valid paper ballots"), min_value=0, max_value=MAX_COUNT)

    def __init__(self, *args: Any, candidates: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for unit in candidates:
            self.fields[f"votes_{unit.pk}"] = WholeNumberField(label=unit.name, min_value=0, max_value=MAX_COUNT,
                                                              initial=0)

    def votes(self) -> dict[int, int]:
        return {unit.pk: self.cleaned_data[f"votes_{unit.pk}"] for unit in self.candidates}


class CloseForm(forms.Form):
    ballots_issued = WholeNumberField(label=_("Ballots issued"), min_value=0, max_value=MAX_COUNT)
    passphrase = forms.CharField(
        label=_("Counting committee's passphrase"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("The 16 characters shown when the first round of the meeting was opened; dashes and spaces "
                    "may be typed or left out."))

    close_reason = forms.CharField(
        label=_("Reason to close before every ballot is back (recorded)"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when fewer ballots came back than were issued."))

    def __init__(self, *args: Any, needs_passphrase: bool = False, returned: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.returned = returned
        if not needs_passphrase:
            del self.fields["passphrase"]

    def clean(self) -> dict[str, Any]:
        """Closing with ballots still out is allowed, with its reason recorded (issue 10, item 8)."""
        cleaned = super().clean()
        issued = cleaned.get("ballots_issued")
        if issued is not None and self.returned < issued and not (cleaned.get("close_reason") or "").strip():
            self.add_error("close_reason", _(
                "Only %(returned)s of the %(issued)s ballots issued have come back: wait for the others, or write "
                "why the round closes now (it is recorded).") % {"returned": self.returned, "issued": issued})
        return cleaned


class DiscardSealedForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example: the written copy of the passphrase was lost."))


# --- Voting cards (issue 11) ---------------------------------------------------------------------------------


class CardIssueForm(forms.Form):
    spares = forms.IntegerField(label=_("Spare cards"), min_value=0,
                                max_value=settings.VOTING_CARD_MAX_SPARES,
                                help_text=_("Printed beyond one card per unit present, for a card "
                                                       "lost or damaged during the meeting."))


class CardVoidForm(forms.Form):
    number = forms.IntegerField(label=_("Card number"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CardCodeForm(forms.Form):
    code = forms.CharField(label=_("Code on the card"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false", "class": "font-monospace fs-4"}))
