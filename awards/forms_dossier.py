"""Forms of issue 4: eligibility conditions, nominations, the dossier, decisions, the history import.

They check the shape of the input; anything that involves other rows comes back from the services.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from awards import conditions, rules
from awards.models import Nomination, Rating
from blocs.models import Award, Unit
from emulation.kernel.fields import NumberField, WholeNumberField
from emulation.kernel.forms import DateInput, NFCMixin


class ConditionAddForm(forms.Form):
    """A condition of one award category: kind, number, and what a history condition counts."""

    category = forms.ModelChoiceField(label=_("Award category"), queryset=Award.objects.all())
    kind = forms.ChoiceField(label=_("Condition"), choices=conditions.CHOICES)
    number = NumberField(label=_("Number"), required=False, max_digits=7, decimal_places=2,
                                help_text=_("The score, rank or number of years the condition needs."))
    title = forms.ModelChoiceField(label=_("Title or award (consecutive years, not recently)"),
                                   queryset=Award.objects.filter(is_active=True), required=False)
    rating = forms.ChoiceField(label=_("Or an annual rating (consecutive years)"), required=False,
                               choices=[("", "—"), *Rating.choices])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, number = cleaned.get("kind"), cleaned.get("number")
        if conditions.needs_number(kind) and number is None:
            self.add_error("number", _("This condition needs a number."))
        if conditions.whole_number(kind) and number is not None and number != number.to_integral_value():
            self.add_error("number", _("Give a whole number."))
        if cleaned.get("title") and cleaned.get("rating"):
            self.add_error("rating", _("Choose a title or award, or a rating, not both."))
        if conditions.counts(kind) == "title_or_rating" and not (cleaned.get("title") or cleaned.get("rating")):
            self.add_error("title", _("Say which title, award or rating the consecutive years are counted for."))
        if conditions.counts(kind) == "award" and cleaned.get("rating"):
            self.add_error("rating", _("“Not given recently” counts an award, not a rating."))
        if not conditions.needs_number(kind):
            cleaned["number"] = None
        return cleaned

    def condition(self) -> rules.Condition:
        """The condition as awards.rules reads it (the title defaults to the category's own award)."""
        data = self.cleaned_data
        title = self.counted_award()
        key = f"award:{title.pk}" if title else (f"rating:{data['rating']}" if data.get("rating") else "")
        number = Decimal(data["number"]) if data.get("number") is not None else None
        return rules.Condition(kind=data["kind"], number=number, key=key)

    def counted_award(self) -> Award | None:
        data = self.cleaned_data
        counted = conditions.counts(data["kind"])
        if counted == "award":
            return data.get("title") or data["category"]
        return data.get("title") if counted == "title_or_rating" else None

    def counted_rating(self) -> str:
        counted = conditions.counts(self.cleaned_data["kind"])
        return self.cleaned_data.get("rating", "") if counted == "title_or_rating" else ""


class ConditionRemoveForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Award.objects.all())
    index = WholeNumberField(min_value=0)


class WithdrawForm(NFCMixin, forms.Form):
    nomination = forms.ModelChoiceField(label=_("Nomination"), queryset=Nomination.objects.none())
    reason = forms.CharField(label=_("Reason for withdrawing (recorded)"), max_length=1000)

    def __init__(self, *args: Any, nominations: QuerySet[Nomination], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nomination"].queryset = nominations


class OutsideVoteForm(NFCMixin, forms.Form):
    award = forms.ModelChoiceField(label=_("Award"), queryset=Award.objects.filter(is_active=True,
                                                                                   for_collectives=True))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("Why outside the vote (recorded)"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, members: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = members


class ReturnForm(NFCMixin, forms.Form):
    reason = forms.CharField(label=_("Why the dossier is returned"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


AWARDED_CHOICES = [("", _("— not in this decision —")), ("yes", _("Awarded")), ("no", _("Not awarded"))]


class DecisionForm(NFCMixin, forms.Form):
    """Number, issuer, date, and per proposed nominee still waiting: awarded, not awarded, or not in it."""

    number = forms.CharField(label=_("Decision number"), max_length=60,
                             help_text=_("e.g. “1234/QĐ-UBND”"))
    issuer = forms.CharField(label=_("Issued by"), max_length=200,
                             help_text=_("e.g. “Chủ tịch UBND tỉnh Quảng Trị”"))
    signed_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, nominations: list[Nomination], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nominations = nominations
        for nomination in nominations:
            label = f"{nomination.award.name}: {nomination.unit.name}"
            if nomination.is_outside_vote:
                label += f" ({_('outside the vote')})"
            self.fields[f"awarded_{nomination.pk}"] = forms.ChoiceField(
                label=label, choices=AWARDED_CHOICES, required=False,
                widget=forms.Select(attrs={"class": "form-select"}))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.outcomes():
            raise forms.ValidationError(_("Say for at least one nominee whether the decision awards it."))
        return cleaned

    def outcomes(self) -> dict[int, bool]:
        data = getattr(self, "cleaned_data", {})
        return {n.pk: data[f"awarded_{n.pk}"] == "yes" for n in self.nominations
                if data.get(f"awarded_{n.pk}") in ("yes", "no")}

    def nominee_fields(self) -> list[forms.BoundField]:
        return [self[f"awarded_{n.pk}"] for n in self.nominations]
