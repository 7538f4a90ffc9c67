from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Awards and voting")

    def ready(self) -> None:
        from awards import archive  # the vote's part of the bloc-year archive (blocs never imports awards)

        archive.register()
