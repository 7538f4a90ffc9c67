"""Forms of scoring: a row per line of the table, the value and a comment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blocs.models import ScoringItem, ScoringTable
from emulation.constraints import ReadableConstraintsMixin
from emulation.kernel.fields import NumberField, WholeNumberField, number_formfield
from emulation.kernel.forms import DateInput, NFCMixin, UniqueByService, XlsxUploadForm, nfc
from emulation.kernel.uploads import check_attachment


class ScoresForm(forms.Form):
    """value_<id> and comment_<id> for each scorable item; values from 0 to the item's maximum."""

    def __init__(self, *args: Any, items: list[ScoringItem], initial_values: dict[int, tuple], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            value, comment = initial_values.get(item.pk, (None, ""))
            self.fields[f"value_{item.pk}"] = NumberField(
                label=f"{item.code}. {item.text}", required=False, min_value=Decimal(0), max_value=item.max_points,
                max_digits=6, decimal_places=2, initial=value,
                error_messages={"max_value": _("At most %(limit_value)s points."),
                                "min_value": _("A score cannot be below zero.")},
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment on %(code)s") % {"code": item.code}, required=False, initial=comment,
                max_length=2000, widget=forms.Textarea(attrs={"rows": 1}))

    def rows(self) -> list[tuple[ScoringItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"value_{item.pk}"], self[f"comment_{item.pk}"]) for item in self.items]

    def entries(self) -> dict[int, tuple[Decimal | None, str]]:
        return {item.pk: (self.cleaned_data.get(f"value_{item.pk}"), nfc(self.cleaned_data.get(f"comment_{item.pk}")
                                                                          or ""))
                for item in self.items}


class DisqualifyForm(NFCMixin, forms.Form):
    disqualifier = forms.ModelChoiceField(label=_("Disqualified for"), queryset=ScoringItem.objects.none(),
                                          required=False, empty_label=_("— not disqualified —"))
    disqualification_note = forms.CharField(label=_("Reason (required when disqualified)"), required=False,
                                            max_length=500)

    def __init__(self, *args: Any, table: ScoringTable, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["disqualifier"].queryset = table.items.filter(kind=ScoringItem.Kind.DISQUALIFIER)


class ScoringItemForm(ReadableConstraintsMixin, NFCMixin, UniqueByService, forms.ModelForm):
    class Meta:
        model = ScoringItem
        fields = ["kind", "group", "code", "text", "max_points", "evidence_required", "guidance", "order"]
        formfield_callback = number_formfield


class ScoringTableForm(ReadableConstraintsMixin, forms.ModelForm):
    class Meta:
        model = ScoringTable
        fields = ["max_total", "bonus_cap", "check_mode"]
        formfield_callback = number_formfield

    def clean_max_total(self) -> Decimal:
        value = self.cleaned_data["max_total"]
        if value <= 0:
            raise forms.ValidationError(_("The maximum must be above zero."))
        return value

    def clean_bonus_cap(self) -> Decimal:
        value = self.cleaned_data["bonus_cap"]
        if value < 0:
            raise forms.ValidationError(_("The bonus cap cannot be below zero."))
        return value


class EvidenceForm(forms.Form):
    item = WholeNumberField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("Evidence (PDF or image, at most 10 MB)"))

    def clean_file(self) -> Any:
        return check_attachment(self.cleaned_data["file"])


def _received_on_field() -> forms.DateField:
    return forms.DateField(
        label=_("Received on"), widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"],
        help_text=_("The day the unit's self-scores arrived on paper or in a file."),
        error_messages={"required": _("Enter the day the self-scores were received."),
                        "invalid": _("The day received is not a date: write it as dd/mm/yyyy.")})


class ReceivedOnForm(forms.Form):
    """The secretariat submits a unit's self-scores on its behalf with the day they arrived (issue 10, item 2)."""

    received_on = _received_on_field()


class SelfScoresUploadForm(XlsxUploadForm):
    """The self-score workbook of every unit, with the day the units' papers or files arrived."""

    received_on = _received_on_field()
