"""The shape of naming a person to a role: an existing account, or a new one (blocs/services/people.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from blocs.models import User
from emulation.kernel.forms import NFCMixin


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        unit = f" — {obj.unit.short_code}" if obj.unit_id else ""
        return f"{obj.display_name} ({obj.username}){unit}"


class NamePersonForm(NFCMixin, forms.Form):
    """Either pick someone who already has an account, or type a new person's name."""

    existing = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("Existing account"),
                                 empty_label=_("— a new account —"))
    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False,
                                help_text=_("For a new account, as on the unit's papers: Nguyễn Văn An."))
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            help_text=_("Optional. With an address, the sign-in link can be emailed."))
    username = forms.CharField(label=_("Sign-in name"), max_length=150, required=False,
                               help_text=_("Leave empty to have one made from the name, e.g. an.nv.stc."))
    is_deputy = forms.BooleanField(label=_("Deputy: stands in when the unit's representative is absent"),
                                   required=False)

    def __init__(self, *args: Any, people: QuerySet[User], deputy_choice: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["existing"].queryset = people
        if not deputy_choice:
            del self.fields["is_deputy"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email:
            try:
                validate_email(email)
            except forms.ValidationError as error:
                raise forms.ValidationError(_("Enter a valid email address, e.g. an.nv@stc.gov.vn.")) from error
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("existing") is None and not (data.get("full_name") or "").strip():
            raise forms.ValidationError(_("Choose an existing account or type the new person's full name."))
        if data.get("existing") is not None and (data.get("full_name") or "").strip():
            raise forms.ValidationError(_("Either choose an existing account or type a new name, not both."))
        return data


class ProvinceForm(NFCMixin, forms.Form):
    name = forms.CharField(label=_("Name of the province"), max_length=100,
                           help_text=_("As in official documents, e.g. Quảng Trị."))
