"""Before adopting the report (issue 12, item 6): empty sections and open rounds are listed, and the chair
adopts only with a reason, which the audit trail keeps."""

from __future__ import annotations

from django.urls import reverse

from awards.models import Round, RuleSet
from blocs.models import AuditEntry, BlocYear
from reports.models import SECTION_KEYS, ReportVersion
from reports.services import report as services
from tests.conftest import client_for


def _draft(world, narrative: dict[str, str]) -> ReportVersion:  # noqa: ANN001
    year = world.bloc_year
    year.status = BlocYear.Status.MEETING
    year.save(update_fields=["status"])
    version = services.report_draft_create(actor=world.users["secretariat"], bloc_year=year)
    services.report_narrative_update(actor=world.users["secretariat"], version=version, narrative=narrative)
    return version


def test_empty_sections_and_an_open_round_need_a_reason(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    version = _draft(world, {"situation": "Năm 2022, các đơn vị trong Khối hoàn thành nhiệm vụ."})
    rule_set = RuleSet.objects.create(bloc_year=world.bloc_year, version=1)
    Round.objects.create(bloc_year=world.bloc_year, rule_set=rule_set, kind=Round.Kind.HEAD, quota=1,
                         max_choices=1, title="Bầu Trưởng khối năm 2023", status=Round.Status.OPEN)
    chair = client_for(world.users["chair"])
    url = reverse("reports:report-adopt", args=[version.pk])
    page = chair.get(url).content.decode()
    assert f"{len(SECTION_KEYS) - 1} phần của báo cáo còn để trống" in page
    assert "Còn vòng bỏ phiếu đang mở, chưa kiểm phiếu: Bầu Trưởng khối năm 2023." in page
    refused = chair.post(url, {"doc_date": "2022-12-20"})
    assert refused.status_code == 200
    assert "hoặc ghi lý do vẫn thông qua như hiện nay" in refused.content.decode()
    version.refresh_from_db()
    assert version.status != ReportVersion.Status.ADOPTED
    done = chair.post(url, {"doc_date": "2022-12-20", "adopt_reason": "Hội nghị thống nhất thông qua ngay"})
    assert done.status_code == 302
    version.refresh_from_db()
    assert version.status == ReportVersion.Status.ADOPTED
    entry = AuditEntry.objects.get(action="reports.report.adopted")
    assert entry.changes["reason"] == "Hội nghị thống nhất thông qua ngay"


def test_a_complete_report_adopts_without_a_reason(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    version = _draft(world, {key: f"Nội dung phần {key}." for key in SECTION_KEYS})
    chair = client_for(world.users["chair"])
    url = reverse("reports:report-adopt", args=[version.pk])
    assert "adoption-warnings" not in chair.get(url).content.decode()
    assert chair.post(url, {"doc_date": "2022-12-20"}).status_code == 302
    assert "reason" not in AuditEntry.objects.get(action="reports.report.adopted").changes
