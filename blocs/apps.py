from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlocsConfig(AppConfig):
    name = "blocs"
    verbose_name = _("Emulation blocs")

    def ready(self) -> None:
        # Every text field of every form refuses control characters, as Django's CharField refuses NUL
        # (issue 13: a unit name with "\x0b" broke every Excel export). Fields are built when their form's
        # class is defined, after the apps are ready.
        from django import forms

        from emulation.kernel.text import ControlCharacterValidator

        forms.CharField.default_validators = [ControlCharacterValidator()]
