"""Forms of the year-end report: the shape of the input; the services say what the data allows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blocs.models import Unit
from emulation.kernel.fields import WholeNumberField
from emulation.kernel.forms import DateInput, NFCMixin
from emulation.kernel.uploads import check_docx, check_pdf
from reports.models import NARRATIVE_SECTIONS, Comment
from reports.wordtext import word_text_to_markup

MARKUP_HELP = _("A blank line starts a new paragraph; a line starting with “- ” is a list item; "
                "**two stars** around words make them bold. Anything else, HTML included, is printed as typed.")
COMMENT_SECTION_CHOICES = [*NARRATIVE_SECTIONS, ("figures", _("Figures: members, scores, votes, proposals")),
                           ("general", _("The report as a whole"))]
MAX_SECTION = 20000
MAX_COMMENT = 4000


class NarrativeForm(NFCMixin, forms.Form):
    """A textarea per narrative section."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in NARRATIVE_SECTIONS:
            self.fields[key] = forms.CharField(label=label, required=False, max_length=MAX_SECTION,
                                               widget=forms.Textarea(attrs={"rows": 6, "data-narrative": key}),
                                               strip=False)

    def clean(self) -> dict[str, Any]:
        """Word's plain-text paste ("•" and a tab before a list item) becomes the markup's "- " items."""
        cleaned = super().clean()
        return {key: word_text_to_markup(value) if isinstance(value, str) else value for key, value in cleaned.items()}


class WordImportForm(forms.Form):
    """A Word file (.docx) read into one section: its paragraphs and simple lists, nothing else."""

    section = forms.ChoiceField(label=_("Into the section"), choices=NARRATIVE_SECTIONS)
    docx = forms.FileField(label=_("Word file (.docx)"))

    def clean_docx(self) -> Any:
        return check_docx(self.cleaned_data["docx"])


class CommentForm(NFCMixin, forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=COMMENT_SECTION_CHOICES)
    unit = forms.ModelChoiceField(label=_("On behalf of"), queryset=Unit.objects.none(), empty_label=None)
    text = forms.CharField(label=_("Comment"), max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[unit.pk for unit in units]).order_by("name")
        self.only_unit = units[0] if len(units) == 1 else None
        if self.only_unit is not None:  # one unit: nothing to choose
            self.fields["unit"].widget = forms.HiddenInput()
            self.fields["unit"].initial = self.only_unit.pk
            self.fields["unit"].required = False

    def clean_unit(self) -> Unit | None:
        return self.cleaned_data.get("unit") or self.only_unit


class AnswerForm(NFCMixin, forms.Form):
    answer = forms.ChoiceField(label=_("Answer"), choices=Comment.Answer.choices, widget=forms.RadioSelect)
    answer_text = forms.CharField(label=_("Reason"), max_length=MAX_COMMENT,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class AdoptForm(forms.Form):
    doc_date = forms.DateField(label=_("Date of the report"), widget=DateInput())
    doc_number = WholeNumberField(label=_("Number"), required=False, min_value=1, max_value=9999,
                                    help_text=_("Leave empty for the next free number."))
    confirm_unanswered = forms.BooleanField(
        label=_("I confirm the adoption although some comments have not been answered."), required=False)

    adopt_reason = forms.CharField(label=_("Reason to adopt it as it is (recorded)"), max_length=500,
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, unanswered: int = 0, warnings: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings = list(warnings)
        if not unanswered:
            del self.fields["confirm_unanswered"]
        if not self.warnings:
            del self.fields["adopt_reason"]

    def clean(self) -> dict[str, Any]:
        """Empty sections or an open round do not stop the chair, who writes why (issue 12, item 6)."""
        cleaned = super().clean()
        if self.warnings and not " ".join((cleaned.get("adopt_reason") or "").split()):
            self.add_error("adopt_reason", _("Complete the report first, or write why it is adopted as it is."))
        return cleaned


class SignedPdfForm(forms.Form):
    signed_pdf = forms.FileField(label=_("The adopted report's PDF, signed"),
                                 help_text=_("Download the adopted PDF, sign it with your signing software (USB "
                                             "token) without changing it, and upload the file it saved."))

    def __init__(self, *args: Any, label: str | None = None, help_text: str | None = None, **kwargs: Any) -> None:
        """The same form for the report and the letter: `label` and `help_text` name the letter's PDF."""
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["signed_pdf"].label = label
        if help_text is not None:
            self.fields["signed_pdf"].help_text = help_text

    def clean_signed_pdf(self) -> Any:
        return check_pdf(self.cleaned_data["signed_pdf"])


class CorrectionForm(NFCMixin, forms.Form):
    note = forms.CharField(label=_("What this correction corrects"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
