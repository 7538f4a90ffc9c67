"""The form fields every number of the app goes through (issue 10, item 3), read by emulation.kernel.numbers.

Text inputs, not the browser's number input: an English-speaking browser reads "1,5" typed there as 15
and sends that, so the server never saw the comma. Values are shown and limits named the Vietnamese way
("30,00"); a model form gets these fields by `formfield_callback = number_formfield` in its Meta.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from emulation.kernel.numbers import GROUPING_FROM, NumberError, format_number, parse_number

NUMBER_MESSAGES = {
    "ambiguous": _("“%(value)s” can be read two ways: write the decimals after a comma (1,234) and thousands "
                   "without a dot (1234)."),
    "grouping": _("“%(value)s” has a thousands dot, but numbers here stay below 1000: write the decimals "
                  "after a comma, e.g. 27,5."),
    "whole": _("Enter a whole number: “%(value)s” has a decimal part."),
}


def _vietnamese(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return params
    return {key: format_number(value) if isinstance(value, int | Decimal) and not isinstance(value, bool)
            else value for key, value in params.items()}


class _Limit:
    """A bound check whose message names the numbers as Vietnamese write them ("at most 30,00")."""

    def __call__(self, value: Any) -> None:
        try:
            super().__call__(value)  # type: ignore[misc]
        except ValidationError as error:
            raise ValidationError(error.message, code=error.code, params=_vietnamese(error.params)) from None


class MaxValue(_Limit, validators.MaxValueValidator):
    pass


class MinValue(_Limit, validators.MinValueValidator):
    pass


class NumberInput(forms.TextInput):
    """A text input that shows "27,5"; the phone still opens its number keyboard."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, whole: bool = False) -> None:
        super().__init__({"inputmode": "numeric" if whole else "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
            return format_number(value)
        return super().format_value(value)


class _Reads:
    whole = False

    def _setup(self) -> None:
        self.error_messages = {**NUMBER_MESSAGES, **self.error_messages}  # type: ignore[has-type]
        swap = {validators.MaxValueValidator: MaxValue, validators.MinValueValidator: MinValue}
        self.validators = [swap[type(v)](v.limit_value, v.message) if type(v) in swap else v
                           for v in self.validators]  # type: ignore[has-type]

    def _grouping(self) -> bool:
        """Thousands separators mean something only where a value of 1000 or more can be right."""
        limit = getattr(self, "max_value", None)
        if limit is None and getattr(self, "max_digits", None) and getattr(self, "decimal_places", None) is not None:
            return self.max_digits - self.decimal_places > 3  # type: ignore[attr-defined]
        return limit is None or limit >= GROUPING_FROM

    def _read(self, value: Any) -> Decimal | None:
        if value in forms.Field.empty_values:
            return None
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Decimal(value)
        try:
            return parse_number(str(value), grouping=self._grouping(), whole=self.whole)
        except NumberError as error:
            raise ValidationError(self.error_messages[error.code], code=error.code,  # type: ignore[attr-defined]
                                  params={"value": error.text.strip()[:40]}) from None


class NumberField(_Reads, forms.DecimalField):
    """A decimal: "27,5" and "27.5" are 27.5; "1.234,5" is 1234.5 only where that size is meaningful."""

    widget = NumberInput
    default_error_messages = {"invalid": _("Enter a number, e.g. 27,5.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._setup()

    def to_python(self, value: Any) -> Decimal | None:
        number = self._read(value)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class WholeNumberField(_Reads, forms.IntegerField):
    """A count, a year, a rank: "27,5" and "27.5" are refused, never read as 275."""

    whole = True
    default_error_messages = {"invalid": _("Enter a whole number.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", NumberInput(whole=True))
        super().__init__(**kwargs)
        self._setup()

    def to_python(self, value: Any) -> int | None:
        number = self._read(value)
        if number is not None and number != number.to_integral_value():
            raise ValidationError(self.error_messages["whole"], code="whole", params={"value": format_number(number)})
        return int(number) if number is not None else None


def number_formfield(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A model form's fields, with this module's number fields for the model's numbers."""
    if isinstance(db_field, models.DecimalField) and not db_field.choices:
        kwargs.setdefault("form_class", NumberField)
    elif isinstance(db_field, models.IntegerField) and not db_field.choices:
        kwargs.setdefault("form_class", WholeNumberField)
    return db_field.formfield(**kwargs)
