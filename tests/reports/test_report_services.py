"""The report's life cycle through the services: drafts, comments, answers, adoption, corrections."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from blocs.models import AuditEntry, BlocYear
from reports.models import Comment, IssuedDocument, ReportVersion
from reports.queries.report import render_report
from reports.services import report as services
from tests.reports.test_report_seed import NARRATIVE, SeedYear, seed_adopted, seed_draft, seed_year

pytestmark = pytest.mark.django_db

REFUSED_ADOPTED = "adopted|thông qua"


@pytest.fixture
def seed(db) -> SeedYear:  # noqa: ANN001
    return seed_year()


def circulated(seed: SeedYear) -> ReportVersion:
    return services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))


def comment(seed: SeedYear, version: ReportVersion, code: str = "BDV", text: str = "Bổ sung số liệu.",
            section: str = "situation") -> Comment:
    return services.comment_add(actor=seed.meeting.reps[code], version=version, unit=seed.unit(code),
                                section=section, text=text)


def actions(seed: SeedYear) -> list[str]:
    return list(AuditEntry.objects.filter(bloc_year=seed.bloc_year, action__startswith="reports.")
                .order_by("id").values_list("action", flat=True))


# --- Drafts ----------------------------------------------------------------------------------------------


def test_a_new_draft_copies_the_narrative_and_supersedes_the_circulated_one(seed):
    first = circulated(seed)
    second = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    first.refresh_from_db()
    assert (second.number, second.status, first.status) == (2, "draft", "superseded")
    assert second.narrative == first.narrative == {**NARRATIVE}
    assert actions(seed) == ["reports.report.draft_created", "reports.report.narrative_updated",
                             "reports.report.circulated", "reports.report.draft_created"]


def test_narrative_text_is_normalised_and_unknown_sections_refused(seed):
    draft = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    decomposed = "Nguye\u0302\u0303n"  # NFD from some keyboards
    services.report_narrative_update(actor=None, version=draft, narrative={"lessons": f"  {decomposed}  "})
    draft.refresh_from_db()
    assert draft.narrative["lessons"] == "Nguyễn"
    with pytest.raises(ValidationError):
        services.report_narrative_update(actor=None, version=draft, narrative={"appendix": "x"})


def test_only_a_draft_is_edited(seed):
    version = circulated(seed)
    with pytest.raises(ValidationError):
        services.report_narrative_update(actor=seed.meeting.secretariat, version=version, narrative={"lessons": "x"})
    version.refresh_from_db()
    assert version.narrative["lessons"] == NARRATIVE["lessons"]


# --- Comments and answers -----------------------------------------------------------------------------


def test_a_representative_comments_and_the_secretariat_answers(seed):
    version = circulated(seed)
    made = comment(seed, version)
    answered = services.comment_answer(actor=seed.meeting.secretariat, comment=made, answer="partly",
                                       reason="Đã bổ sung một phần.")
    assert (answered.answer, answered.answer_text, answered.answered_by) == (
        "partly", "Đã bổ sung một phần.", seed.meeting.secretariat)
    assert answered.answered_at is not None
    assert actions(seed)[-2:] == ["reports.comment.added", "reports.comment.answered"]


@pytest.mark.parametrize(("section", "text"), [("situation", "   "), ("appendix", "Ý kiến"), ("", "Ý kiến")])
def test_bad_comments_are_refused(seed, section, text):
    version = circulated(seed)
    with pytest.raises(ValidationError):
        comment(seed, version, section=section, text=text)
    assert not Comment.objects.exists()


def test_comments_are_taken_only_on_the_circulated_version(seed):
    draft = seed_draft(seed)
    with pytest.raises(ValidationError):
        comment(seed, draft)
    adopted = services.report_adopt(actor=seed.meeting.chair, version=draft, doc_date=dt.date(2022, 12, 1))
    with pytest.raises(ValidationError, match=REFUSED_ADOPTED):
        comment(seed, adopted)
    assert not Comment.objects.exists()


def test_a_comment_on_a_closed_year_is_refused(seed):
    version = circulated(seed)
    BlocYear.objects.filter(pk=seed.bloc_year.pk).update(status=BlocYear.Status.CLOSED)
    version.refresh_from_db()
    with pytest.raises(ValidationError, match="closed|đã đóng|kết thúc"):
        comment(seed, version)
    assert not Comment.objects.exists()


def test_a_unit_outside_the_bloc_cannot_comment(seed):
    from tests.factories import make_unit
    version = circulated(seed)
    with pytest.raises(ValidationError):
        services.comment_add(actor=seed.meeting.reps["BDV"], version=version, unit=make_unit(), section="general",
                             text="Ý kiến")


@pytest.mark.parametrize(("answer", "reason"), [("accepted", ""), ("accepted", "   "), ("maybe", "Lý do")])
def test_an_answer_needs_a_known_choice_and_a_reason(seed, answer, reason):
    made = comment(seed, circulated(seed))
    with pytest.raises(ValidationError):
        services.comment_answer(actor=seed.meeting.secretariat, comment=made, answer=answer, reason=reason)
    made.refresh_from_db()
    assert made.answer == "" and made.answered_at is None


# --- Adoption -----------------------------------------------------------------------------------------------


def test_adoption_numbers_dates_freezes_and_stores_the_pdf(seed):
    adopted = seed_adopted(seed)
    assert (adopted.status, adopted.doc_number, adopted.doc_date) == ("adopted", 5, dt.date(2022, 12, 1))
    assert adopted.adopted_by == seed.meeting.chair and adopted.adopted_at is not None
    assert "Số 05-BC/KTĐ" in adopted.frozen_html and "DỰ THẢO" not in adopted.frozen_html
    with default_storage.open(adopted.pdf.name, "rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == adopted.pdf_sha256
    issued = IssuedDocument.objects.get(bloc_year=seed.bloc_year, kind=IssuedDocument.Kind.REPORT)
    assert (issued.number, issued.issued_on) == (5, dt.date(2022, 12, 1))
    entry = AuditEntry.objects.get(action="reports.report.adopted")
    assert entry.changes["pdf_sha256"] == adopted.pdf_sha256 and entry.changes["doc_number"] == 5


def test_the_number_is_the_next_free_one_and_the_date_the_meeting_day(seed):
    other = BlocYear.objects.create(bloc=seed.bloc_year.bloc, year=2021)
    IssuedDocument.objects.create(bloc_year=other, kind=IssuedDocument.Kind.REPORT, number=4,
                                  issued_on=dt.date(2022, 1, 10))
    adopted = services.report_adopt(actor=seed.meeting.chair, version=seed_draft(seed))
    assert adopted.doc_number == 5 and adopted.doc_date == dt.date(2022, 12, 1)  # seed_meeting's held_on


def test_a_number_already_used_is_refused(seed):
    other = BlocYear.objects.create(bloc=seed.bloc_year.bloc, year=2021)
    IssuedDocument.objects.create(bloc_year=other, kind=IssuedDocument.Kind.REPORT, number=5,
                                  issued_on=dt.date(2022, 1, 10))
    with pytest.raises(ValidationError):
        services.report_adopt(actor=seed.meeting.chair, version=seed_draft(seed), doc_date=dt.date(2022, 12, 1),
                              doc_number=5)


def test_unanswered_comments_need_a_confirmation_which_is_recorded(seed):
    version = circulated(seed)
    comment(seed, version)
    with pytest.raises(ValidationError) as refused:
        services.report_adopt(actor=seed.meeting.chair, version=version)
    assert refused.value.code == "unanswered"
    version.refresh_from_db()
    assert version.status == "circulated" and not version.pdf_sha256
    adopted = services.report_adopt(actor=seed.meeting.chair, version=version, confirm_unanswered=True)
    assert adopted.is_adopted and adopted.unanswered_confirmed
    entry = AuditEntry.objects.get(action="reports.report.adopted")
    assert entry.changes["unanswered"] == 1 and entry.changes["unanswered_confirmed"] is True


def test_answered_comments_need_no_confirmation(seed):
    version = circulated(seed)
    services.comment_answer(actor=seed.meeting.secretariat, comment=comment(seed, version), answer="accepted",
                            reason="Đã sửa.")
    adopted = services.report_adopt(actor=seed.meeting.chair, version=version)
    assert adopted.is_adopted and not adopted.unanswered_confirmed


def test_comments_on_an_earlier_draft_count_as_unanswered(seed):
    first = circulated(seed)
    comment(seed, first)
    second = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    with pytest.raises(ValidationError):
        services.report_adopt(actor=seed.meeting.chair, version=second)


def test_every_service_refuses_to_change_an_adopted_version(seed):
    adopted = seed_adopted(seed)
    before = (adopted.narrative, adopted.frozen_html, adopted.pdf.name, adopted.pdf_sha256, adopted.doc_number)
    attempts = [
        lambda: services.report_narrative_update(actor=seed.meeting.secretariat, version=adopted,
                                                 narrative={"lessons": "Sửa sau khi thông qua"}),
        lambda: services.report_circulate(actor=seed.meeting.secretariat, version=adopted),
        lambda: services.report_adopt(actor=seed.meeting.chair, version=adopted, doc_number=9),
        lambda: comment(seed, adopted),
        lambda: services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    adopted.refresh_from_db()
    assert (adopted.narrative, adopted.frozen_html, adopted.pdf.name, adopted.pdf_sha256,
            adopted.doc_number) == before


def test_a_superseded_version_cannot_be_adopted(seed):
    first = circulated(seed)
    services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    with pytest.raises(ValidationError):
        services.report_adopt(actor=seed.meeting.chair, version=first)


# --- Corrections -------------------------------------------------------------------------------------------


def test_a_correction_is_a_new_version_that_names_what_it_corrects(seed):
    adopted = seed_adopted(seed)
    with pytest.raises(ValidationError):
        services.report_correct(actor=seed.meeting.secretariat, version=adopted, note="  ")
    correction = services.report_correct(actor=seed.meeting.secretariat, version=adopted,
                                         note="Sửa tên đơn vị ở mục 5.")
    assert (correction.number, correction.status, correction.corrects) == (2, "draft", adopted)
    assert correction.narrative == adopted.narrative
    html = render_report(correction)
    assert "Văn bản này đính chính Báo cáo số 05-BC/KTĐ-BCQĐ ngày 01/12/2022 (bản 1): Sửa tên đơn vị ở mục 5." in html
    services.report_narrative_update(actor=seed.meeting.secretariat, version=correction,
                                     narrative={"lessons": "Bài học đã sửa."})
    again = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    assert again.corrects == adopted and again.correction_note == "Sửa tên đơn vị ở mục 5."
    fixed = services.report_adopt(actor=seed.meeting.chair, version=again, doc_date=dt.date(2022, 12, 5))
    adopted.refresh_from_db()
    assert adopted.is_adopted and fixed.is_adopted and fixed.doc_number == 6
    assert "Bài học đã sửa." in fixed.frozen_html and "Bài học đã sửa." not in adopted.frozen_html


def test_a_draft_is_not_corrected_and_a_second_adoption_needs_a_correction(seed):
    draft = seed_draft(seed)
    with pytest.raises(ValidationError):
        services.report_correct(actor=seed.meeting.secretariat, version=draft, note="x")
    services.report_adopt(actor=seed.meeting.chair, version=draft)
    stray = ReportVersion.objects.create(bloc_year=seed.bloc_year, number=9, narrative={})
    with pytest.raises(ValidationError):
        services.report_adopt(actor=seed.meeting.chair, version=stray)
