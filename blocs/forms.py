"""Forms check the shape of input; rules that involve other rows come back from the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from blocs.models import Award, Bloc, Unit
from emulation.constraints import ReadableConstraintsMixin
from emulation.kernel.fields import WholeNumberField, number_formfield
from emulation.kernel.forms import BoundedModelMultipleChoiceField, DateInput, NFCMixin, UniqueByService, nfc
from emulation.kernel.uploads import check_attachment

DOCUMENT_FIELDS = ("doc_parent_lines", "doc_symbol", "doc_style", "doc_signer_title")


def document_fields() -> dict[str, forms.Field]:
    """The bloc's document settings (issue 12, item 2) as the year's settings page shows them."""
    return {name: Bloc._meta.get_field(name).formfield(**({"widget": forms.Textarea(attrs={"rows": 2})}
                                                          if name == "doc_parent_lines" else {}))
            for name in DOCUMENT_FIELDS}


class UnitForm(ReadableConstraintsMixin, NFCMixin, UniqueByService, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "short_code", "parent_body", "kind", "province", "is_active", "renamed_from", "merged_into"]

    def __init__(self, *args: Any, units: QuerySet[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            others = units.exclude(pk=self.instance.pk) if self.instance.pk else units
            self.fields["renamed_from"].queryset = others
            self.fields["merged_into"].queryset = others

    def clean_short_code(self) -> str:
        code = nfc(self.cleaned_data["short_code"]).upper()
        if not code.replace("-", "").replace("_", "").isalnum():
            raise forms.ValidationError(_("Use letters, digits, “-” or “_” only."))
        return code



class BlocForm(ReadableConstraintsMixin, NFCMixin, UniqueByService, forms.ModelForm):
    class Meta:
        model = Bloc
        fields = ["name", "code", "kind", "province", "founding_decision", "founded_year", *DOCUMENT_FIELDS]
        formfield_callback = number_formfield
        widgets = {"doc_parent_lines": forms.Textarea(attrs={"rows": 2})}


def _year_field(label: str) -> WholeNumberField:
    return WholeNumberField(label=label, min_value=1945, max_value=2200)


class BlocYearForm(NFCMixin, forms.Form):
    year = _year_field(_("Year"))
    registration_deadline = forms.DateField(label=_("Registration deadline"), required=False, widget=DateInput())
    place_name = forms.CharField(label=_("Place name on documents"), max_length=100, required=False,
                                 help_text=_("e.g. Quảng Trị"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        year, deadline = cleaned.get("year"), cleaned.get("registration_deadline")
        if year and deadline and deadline.year not in (year - 1, year):
            self.add_error("registration_deadline", _("The deadline must fall in the year itself."))
        return cleaned


class BlocYearEditForm(BlocYearForm):
    """The year's settings and the bloc's document settings, which every year of the bloc prints."""

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(document_fields())
        self.fields["year"].disabled = True
        self.fields["year"].initial = year
        self.fields["year"].required = False
        self.year = year

    def clean(self) -> dict[str, Any]:
        self.cleaned_data["year"] = self.year
        return super().clean()


class MemberAddForm(forms.Form):
    units = BoundedModelMultipleChoiceField(label=_("Units to add"), queryset=Unit.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units


class LeadershipForm(forms.Form):
    head = forms.ModelChoiceField(label=_("Head unit"), queryset=Unit.objects.none(), required=False)
    deputies = BoundedModelMultipleChoiceField(label=_("Deputy units (at most 2)"), queryset=Unit.objects.none(),
                                               required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = units
        self.fields["deputies"].queryset = units


class CovenantForm(NFCMixin, forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput())
    signed_place = forms.CharField(label=_("Signed at"), max_length=200, required=False)
    items = forms.CharField(
        label=_("Emulation contents and targets"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One item per line; write the target after a “|”, e.g. "
                    "“Administrative reform | 100% of procedures online”."),
    )
    scan = forms.FileField(label=_("Signed scan (PDF or image, at most 10 MB)"), required=False)

    def clean_items(self) -> list[tuple[str, str]]:
        pairs = []
        for line in nfc(self.cleaned_data.get("items") or "").splitlines():
            if not line.strip():
                continue
            content, _bar, target = line.partition("|")
            if len(content.strip()) > 500 or len(target.strip()) > 500:
                raise forms.ValidationError(_("Each content and target is at most 500 characters."))
            if not content.strip():
                raise forms.ValidationError(_("Every line needs a content before the “|”."))
            pairs.append((content.strip(), target.strip()))
        return pairs

    def clean_scan(self) -> Any:
        scan = self.cleaned_data.get("scan")
        return check_attachment(scan) if scan else None

    def clean_signed_on(self) -> dt.date | None:
        return self.cleaned_data.get("signed_on")


class RegistrationForm(NFCMixin, forms.Form):
    targets = forms.CharField(label=_("Targets"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                              max_length=10000)
    awards = BoundedModelMultipleChoiceField(label=_("Titles and awards aimed for"), required=False,
                                             queryset=Award.objects.filter(is_active=True),
                                             widget=forms.CheckboxSelectMultiple)


class AwardForm(ReadableConstraintsMixin, NFCMixin, UniqueByService, forms.ModelForm):
    class Meta:
        model = Award
        fields = ["name", "code", "kind", "level", "for_collectives", "for_individuals", "order", "is_active"]
        formfield_callback = number_formfield


class ArchiveUploadForm(forms.Form):
    file = forms.FileField(label=_("Bloc-year archive (.json)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The archive is larger than 50 MB."))
        return upload


class YearDatesForm(forms.Form):
    """The year's dates (issue 14, item 5); the meeting's date is set on the meeting's page."""

    registration_deadline = forms.DateField(label=_("Registration due"), required=False, widget=DateInput())
    covenant_signing_on = forms.DateField(label=_("Covenant signing"), required=False, widget=DateInput())
    self_scores_due = forms.DateField(label=_("Self-scores due"), required=False, widget=DateInput())
    cross_checks_due = forms.DateField(label=_("Cross-checks due"), required=False, widget=DateInput())


class RemindersForm(forms.Form):
    wants_reminders = forms.BooleanField(label=_("Send me reminders by email"), required=False,
                                         help_text=_("Before a deadline and on the day, for the steps I still "
                                                     "have to do."))
