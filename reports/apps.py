from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from reports import archive  # the report's part of the bloc-year archive (blocs never imports reports)

        archive.register()
        # The adopted report goes with the year to the province (blocs.selectors).
        from blocs.selectors import register_advance_check
        from reports.queries.report import report_not_adopted

        register_advance_check(report_not_adopted)
        # Every document of the year is stored as sent when the year is submitted (issue 12, item 5).
        from blocs.services.bloc_years import register_advance_step
        from reports.services.sent import on_year_advanced

        register_advance_step(on_year_advanced)
