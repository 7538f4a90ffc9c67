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
