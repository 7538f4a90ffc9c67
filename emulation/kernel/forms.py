"""Form pieces every app's forms use: text composed to NFC, a bounded multiple choice of rows, a date input,
an Excel upload."""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from emulation.kernel.uploads import check_xlsx


def nfc(value: Any) -> Any:
    """Some keyboards submit decomposed Vietnamese (NFD); store the composed form."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _compose(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _nfc_data(data: Any) -> Any:
    """The submitted values in NFC; NFD is longer, so lengths must be checked after composing."""
    if hasattr(data, "setlist"):  # a QueryDict
        data = data.copy()
        for key, values in list(data.lists()):
            data.setlist(key, [_compose(value) for value in values])
        return data
    return {key: _compose(value) for key, value in data.items()}


class NFCMixin:
    """Normalises every text value of the form to NFC."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        if self.is_bound:  # type: ignore[attr-defined]
            self.data = _nfc_data(self.data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        return {key: nfc(value) for key, value in cleaned.items()}


# The widest key the database holds (a 64-bit integer); SQLite raises OverflowError on a larger one in `IN`.
MAX_KEY = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses a key beyond the database's integer range as an invalid choice,
    instead of sending it to the database (a server error on SQLite; found by tests/security/test_form_fuzz)."""

    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, (list, tuple)) else ():
            text = str(item).strip().lstrip("+-")
            if text.isdigit() and int(text) > MAX_KEY:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": item})
        return super().clean(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UniqueByService:
    """For a model form whose service checks uniqueness, with a message that names the clash: the form does
    not ask the database first."""

    def validate_unique(self) -> None:
        pass


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def clean_file(self) -> Any:
        return check_xlsx(self.cleaned_data["file"])
