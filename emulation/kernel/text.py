"""Text that can always be written out (issue 13).

Forms refuse control characters in every text field (`ControlCharacterValidator`, installed on Django's
CharField in blocs/apps.py, as Django already refuses NUL); what is already stored, or comes from an archive,
goes through `writable()` on its way into Excel, Word and PDF, whose XML cannot hold such characters.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls except tab, line feed and carriage return; DEL; lone surrogates; the two non-characters
# XML 1.0 excludes. None of them is something a person means to type.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 (Excel, Word) cannot hold at all: C1 controls and DEL are allowed there, so they stay.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def without_control(text: str) -> str:
    return CONTROL.sub("", text)


def writable(text: str) -> str:
    """The text without the characters an XML document (xlsx, docx) refuses."""
    return NOT_IN_XML.sub("", text)


@deconstructible
class ControlCharacterValidator:
    message = _("The text contains an invisible control character (often copied from another program). "
                "Remove it and try again.")
    code = "control_characters"

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and has_control(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharacterValidator)

    def __hash__(self) -> int:
        return hash(self.code)
