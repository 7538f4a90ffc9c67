"""The shape of a merger or split of units and of a merger of provinces (domain.md §7a); what involves other
rows (inactive units, provinces, circles) comes back from the plan in `blocs/reorganization.py`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from blocs.models import Province, Unit
from emulation.kernel.forms import DateInput, NFCMixin, nfc

SPLIT_SLOTS = 4


def _code(value: str) -> str:
    code = nfc(value or "").strip().upper()
    if code and not code.replace("-", "").replace("_", "").isalnum():
        raise forms.ValidationError(_("Use letters, digits, “-” or “_” only."))
    return code


class StepFields(NFCMixin, forms.Form):
    effective_on = forms.DateField(label=_("Effective date"), widget=DateInput())
    reason = forms.CharField(label=_("Decision or reason"), max_length=300, required=False,
                             help_text=_("e.g. the number and date of the decision."))


class UnitMergeForm(StepFields):
    predecessors = forms.ModelMultipleChoiceField(
        label=_("Units that merge"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the units that merge.")})
    successor = forms.ModelChoiceField(
        label=_("Into an existing unit"), queryset=Unit.objects.none(), required=False,
        help_text=_("Leave empty to create the successor below."))
    new_name = forms.CharField(label=_("Or a new unit: name"), max_length=200, required=False)
    new_short_code = forms.CharField(label=_("New unit: short code"), max_length=20, required=False)
    new_kind = forms.ChoiceField(label=_("New unit: kind"), choices=Unit.Kind.choices, initial=Unit.Kind.STATE)

    field_order = ["predecessors", "successor", "new_name", "new_short_code", "new_kind", "effective_on", "reason"]

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["predecessors"].queryset = units
        self.fields["successor"].queryset = units

    def clean_new_short_code(self) -> str:
        return _code(self.cleaned_data.get("new_short_code", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("successor") and not (cleaned.get("new_name") and cleaned.get("new_short_code")):
            raise forms.ValidationError(_("Choose the unit they merge into, or give the new unit's name and "
                                          "short code."))
        if cleaned.get("successor") and cleaned.get("new_name"):
            raise forms.ValidationError(_("Either an existing unit or a new one, not both."))
        return cleaned

    @property
    def new_unit(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("successor"):
            return None
        return {"name": data["new_name"], "short_code": data["new_short_code"], "kind": data["new_kind"]}


class UnitSplitForm(StepFields):
    carrier = forms.TypedChoiceField(
        label=_("Which new unit carries the history"), coerce=int, empty_value=None, required=False,
        choices=[("", _("None: the history stays with the old unit"))]
        + [(str(i), _("New unit %(n)s") % {"n": i + 1}) for i in range(SPLIT_SLOTS)],
        help_text=_("It also takes the seats of the running years and the representatives; the rule set "
                    "decides whether the history counts for conditions over several years."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(SPLIT_SLOTS):
            self.fields[f"name_{i}"] = forms.CharField(label=_("New unit %(n)s: name") % {"n": i + 1},
                                                       max_length=200, required=False)
            self.fields[f"short_code_{i}"] = forms.CharField(label=_("New unit %(n)s: short code") % {"n": i + 1},
                                                             max_length=20, required=False)
            self.fields[f"kind_{i}"] = forms.ChoiceField(label=_("New unit %(n)s: kind") % {"n": i + 1},
                                                         choices=Unit.Kind.choices, initial=Unit.Kind.STATE)
        self.order_fields([f for i in range(SPLIT_SLOTS) for f in (f"name_{i}", f"short_code_{i}", f"kind_{i}")]
                          + ["carrier", "effective_on", "reason"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        units, carrier = [], None
        for i in range(SPLIT_SLOTS):
            name, code = cleaned.get(f"name_{i}", ""), cleaned.get(f"short_code_{i}", "")
            if not name and not code:
                continue
            try:
                code = _code(code)
            except forms.ValidationError as error:
                self.add_error(f"short_code_{i}", error)
                continue
            if not name or not code:
                self.add_error(f"name_{i}", _("Give both the name and the short code."))
                continue
            if cleaned.get("carrier") == i:
                carrier = len(units)
            units.append({"name": name, "short_code": code, "kind": cleaned.get(f"kind_{i}", Unit.Kind.STATE)})
        if cleaned.get("carrier") is not None and carrier is None:
            self.add_error("carrier", _("The unit that carries the history must be one of the new units."))
        if len({u["short_code"] for u in units}) != len(units):
            raise forms.ValidationError(_("Each new unit needs its own short code."))
        cleaned["new_units"], cleaned["carrier_index"] = units, carrier
        return cleaned


class ProvinceMergeForm(StepFields):
    target = forms.ModelChoiceField(label=_("Merged into"), queryset=Province.objects.none())

    field_order = ["target", "effective_on", "reason"]

    def __init__(self, *args: Any, provinces: QuerySet[Province], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = provinces
