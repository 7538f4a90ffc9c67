from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    name = "awards"
    verbose_name = _("Awards and voting")

    def ready(self) -> None:
        # The vote's and the dossier's parts of the bloc-year archive (blocs never imports awards).
        from awards import archive, archive_dossier

        archive.register()
        archive_dossier.register()
        # An open round is what is missing before the year goes to the province (blocs.selectors).
        from awards.selectors import rounds_still_open
        from blocs.selectors import register_advance_check

        register_advance_check(rounds_still_open)
        # The meeting's date among the year's dates, the calendar feed and the reminders (blocs/deadlines.py).
        from awards.selectors import MEETING_STEP, meeting_dates
        from blocs.deadlines import register_step

        register_step(MEETING_STEP, meeting_dates)
