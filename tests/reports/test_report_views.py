"""The report's screens: the permission matrix (every report URL × persona), the editor, comments,
answers, adoption with its confirmation, comparison, and downloads (the adopted PDF served as stored)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from io import BytesIO

import pytest
from django.urls import get_resolver, reverse
from docx import Document

from blocs.models import BlocYear, Scorecard, Unit
from reports.models import Comment, ReportVersion
from reports.queries.report import render_report
from reports.services import report as services
from tests.conftest import PERSONAS, World, client_for
from tests.permission_matrix import EXPECTED
from tests.reports.test_report_seed import NARRATIVE, SeedYear, seed_adopted, seed_draft, seed_year

pytestmark = pytest.mark.django_db


# url name → (method, which object its pk names, expected status per persona: tests/permission_matrix.py)
MATRIX = {name: (method, target, EXPECTED[name]) for name, method, target in [
    ("reports:report-home", "get", "year"),
    ("reports:report-compare", "get", "year"),
    ("reports:report-draft-create", "post", "year"),
    ("reports:report-version", "get", "circulated"),
    ("reports:report-edit", "get", "draft"),
    ("reports:report-circulate", "post", "draft"),
    ("reports:report-adopt", "get", "circulated"),
    ("reports:report-correct", "get", "adopted"),
    ("reports:report-comment-add", "post", "circulated"),
    ("reports:report-comment-answer", "post", "comment"),
    ("reports:report-html", "get", "circulated"),
    ("reports:report-pdf", "get", "adopted"),
    ("reports:report-docx", "get", "circulated"),
    ("reports:report-signature-upload", "get", "adopted"),
    ("reports:report-sign", "post", "adopted"),
]}
EXTRA = [(name, method, target, EXPECTED[f"{name}@{target}"]) for name, method, target in [
    # the same names on other objects, where the answer differs
    ("reports:report-version", "get", "draft"),
    ("reports:report-html", "get", "draft"),
]]


def _objects(world: World) -> dict[str, int]:
    by = world.bloc_year
    secretariat, chair = world.users["secretariat"], world.users["chair"]
    adopted = ReportVersion.objects.create(bloc_year=by, number=1, narrative=dict(NARRATIVE))
    adopted = services.report_adopt(actor=chair, version=adopted, doc_date=dt.date(2022, 12, 1))
    circulated = services.report_correct(actor=secretariat, version=adopted, note="Sửa số liệu.")
    circulated = services.report_circulate(actor=secretariat, version=circulated)
    comment = services.comment_add(actor=world.users["representative"], version=circulated, unit=world.member.unit,
                                   section="general", text="Ý kiến.")
    draft = ReportVersion.objects.create(bloc_year=by, number=3, narrative=dict(NARRATIVE))
    return {"year": by.pk, "adopted": adopted.pk, "circulated": circulated.pk, "draft": draft.pk,
            "comment": comment.pk}


POST_DATA = {"section": "general", "text": "Ý kiến thêm.", "answer": "accepted", "answer_text": "Đồng ý."}


@pytest.mark.parametrize(("name", "method", "target", "expected", "persona"), [
    (name, method, target, expected[persona], persona)
    for name, (method, target, expected) in MATRIX.items() for persona in PERSONAS
] + [(name, method, target, expected[persona], persona) for name, method, target, expected in EXTRA
     for persona in PERSONAS])
def test_permission_matrix(world, name, method, target, expected, persona):
    url = reverse(name, args=[_objects(world)[target]])
    client = client_for(world.users[persona])
    response = client.post(url, POST_DATA) if method == "post" else client.get(url)
    assert response.status_code == expected, (name, persona, response.status_code)
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


def test_every_report_url_name_is_in_the_matrix():
    names = {f"reports:{name}" for name in get_resolver().namespace_dict["reports"][1].reverse_dict
             if isinstance(name, str) and name.startswith("report-")}
    assert names == set(MATRIX)


# --- Flows on the seed year ------------------------------------------------------------------------------


@pytest.fixture
def seed(db) -> SeedYear:  # noqa: ANN001
    return seed_year()


def as_(seed: SeedYear, who: str):  # noqa: ANN201
    users = {"secretariat": seed.meeting.secretariat, "chair": seed.meeting.chair, "rep": seed.meeting.reps["BDV"]}
    return client_for(users[who])


def test_the_secretariat_creates_edits_and_circulates_a_draft(seed):
    secretariat = as_(seed, "secretariat")
    response = secretariat.post(reverse("reports:report-draft-create", args=[seed.bloc_year.pk]))
    draft = ReportVersion.objects.get(bloc_year=seed.bloc_year)
    assert response["Location"] == reverse("reports:report-edit", args=[draft.pk])
    page = secretariat.get(response["Location"])
    assert page.status_code == 200 and b"**" in page.content  # the markup help
    response = secretariat.post(reverse("reports:report-edit", args=[draft.pk]), {**NARRATIVE, "lessons": "Mới."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.narrative["lessons"] == "Mới."
    secretariat.post(reverse("reports:report-circulate", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "circulated"
    home = secretariat.get(reverse("reports:report-home", args=[seed.bloc_year.pk]))
    assert b'data-status="circulated"' in home.content


def test_editing_an_adopted_version_is_refused_without_a_500(seed):
    adopted = seed_adopted(seed)
    secretariat = as_(seed, "secretariat")
    response = secretariat.post(reverse("reports:report-edit", args=[adopted.pk]), {"lessons": "Sửa lén."},
                                follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == adopted.get_absolute_url()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    adopted.refresh_from_db()
    assert adopted.narrative["lessons"] == NARRATIVE["lessons"]
    assert secretariat.get(reverse("reports:report-edit", args=[adopted.pk])).status_code == 302


@pytest.mark.parametrize("data", [
    {"section": "situation", "text": ""}, {"section": "situation", "text": "   "},
    {"section": "nonexistent", "text": "Ý kiến"}, {}, {"section": "situation", "text": "x" * 5000},
    {"section": "situation", "text": "Ý kiến", "unit": "999999"},
])
def test_bad_comments_come_back_as_messages_never_a_500(seed, data):
    version = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    response = as_(seed, "rep").post(reverse("reports:report-comment-add", args=[version.pk]), data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Comment.objects.exists()


def test_a_comment_on_a_closed_year_is_refused_on_the_screen(seed):
    version = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    BlocYear.objects.filter(pk=seed.bloc_year.pk).update(status=BlocYear.Status.CLOSED)
    rep = as_(seed, "rep")
    assert b'id="comment-form"' not in rep.get(version.get_absolute_url()).content
    response = rep.post(reverse("reports:report-comment-add", args=[version.pk]),
                        {"section": "situation", "text": "Muộn."}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"] and not Comment.objects.exists()


def test_comment_answer_and_the_version_page(seed):
    version = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    rep = as_(seed, "rep")
    assert b'id="comment-form"' in rep.get(version.get_absolute_url()).content
    rep.post(reverse("reports:report-comment-add", args=[version.pk]),
             {"section": "strengths", "text": "Nêu rõ <em>số liệu</em>."})
    comment = Comment.objects.get()
    assert (comment.unit, comment.section) == (seed.unit("BDV"), "strengths")
    secretariat = as_(seed, "secretariat")
    url = reverse("reports:report-comment-answer", args=[comment.pk])
    response = secretariat.post(url, {"answer": "accepted", "answer_text": ""}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    secretariat.post(url, {"answer": "not", "answer_text": "Số liệu đã có ở mục 5."})
    comment.refresh_from_db()
    assert comment.answer == "not"
    page = rep.get(version.get_absolute_url()).content.decode()
    assert "Nêu rõ &lt;em&gt;số liệu&lt;/em&gt;." in page and "Số liệu đã có ở mục 5." in page
    assert 'class="answer-form' not in page  # representatives do not answer


def test_adopting_asks_explicitly_when_comments_are_unanswered(seed):
    version = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    services.comment_add(actor=seed.meeting.reps["BDV"], version=version, unit=seed.unit("BDV"), section="general",
                         text="Chưa trả lời.")
    chair = as_(seed, "chair")
    url = reverse("reports:report-adopt", args=[version.pk])
    page = chair.get(url)
    assert b'name="confirm_unanswered"' in page.content and b'id="unanswered"' in page.content
    response = chair.post(url, {"doc_date": "2022-12-01"})
    assert response.status_code == 200 and response.context["form"].errors
    version.refresh_from_db()
    assert version.status == "circulated"
    response = chair.post(url, {"doc_date": "2022-12-01", "doc_number": "5", "confirm_unanswered": "on"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.is_adopted and version.unanswered_confirmed and version.doc_number == 5


@pytest.mark.parametrize("data", [{}, {"doc_date": "01/13/2022"}, {"doc_date": "2022-12-01", "doc_number": "-3"},
                                  {"doc_date": "2022-12-01", "doc_number": "abc"}])
def test_bad_adoption_input_is_a_form_error(seed, data):
    draft = seed_draft(seed)
    response = as_(seed, "chair").post(reverse("reports:report-adopt", args=[draft.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_adopted_pdf_is_served_as_stored_and_never_changes(seed, monkeypatch):
    adopted = seed_adopted(seed)
    with adopted.pdf.open("rb") as stored:
        original = stored.read()
    reader = as_(seed, "rep")
    url = reverse("reports:report-pdf", args=[adopted.pk])
    page = reader.get(adopted.get_absolute_url()).content.decode()
    shown = re.search(r'id="pdf-sha256"[^>]*>([0-9a-f]{64})<', page)[1]
    # The data changes after adoption: the year re-renders differently, the adopted text does not.
    Unit.objects.filter(pk=seed.unit("BTG").pk).update(name="Ban Tuyên giáo và Dân vận Tỉnh ủy")
    Scorecard.objects.filter(bloc_year=seed.bloc_year).update(final_total=50)
    assert "Ban Tuyên giáo và Dân vận Tỉnh ujy" not in adopted.frozen_html
    monkeypatch.setattr("reports.views.report.render_report", _never)
    monkeypatch.setattr("reports.common.html_to_pdf", _never)
    served = [b"".join(reader.get(url).streaming_content) for _ in range(2)]
    assert served[0] == served[1] == original
    assert hashlib.sha256(served[0]).hexdigest() == adopted.pdf_sha256 == shown
    adopted.refresh_from_db()
    assert adopted.pdf_sha256 == shown
    monkeypatch.undo()
    fresh = ReportVersion(bloc_year=seed.bloc_year, number=99, narrative=adopted.narrative)
    assert "Ban Tuyên giáo và Dân vận Tỉnh ủy" in render_report(fresh)
    assert "Ban Tuyên giáo và Dân vận Tỉnh ủy" not in reader.get(
        reverse("reports:report-html", args=[adopted.pk])).content.decode()


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("the adopted report must not be rendered again")


def test_a_draft_pdf_and_word_are_made_on_the_fly(seed):
    draft = seed_draft(seed)
    secretariat = as_(seed, "secretariat")
    pdf = secretariat.get(reverse("reports:report-pdf", args=[draft.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    word = secretariat.get(reverse("reports:report-docx", args=[draft.pk]))
    assert "attachment" in word["Content-Disposition"]
    text = " ".join(p.text for p in Document(BytesIO(word.content)).paragraphs)
    assert "DỰ THẢO" in text and "Tổng kết công tác thi đua năm 2022" in text


def test_compare_shows_the_changes_section_by_section(seed):
    first = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    second = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    services.report_narrative_update(actor=None, version=second, narrative={"lessons": "Bài học <i>mới</i>."})
    response = as_(seed, "secretariat").get(reverse("reports:report-compare", args=[seed.bloc_year.pk]),
                                            {"a": first.number, "b": second.number})
    page = response.content.decode()
    assert re.search(r'data-section="lessons" data-changed="1"', page)
    assert re.search(r'data-section="situation" data-changed="0"', page)
    assert re.search(r"<ins[^>]*>Bài học &lt;i&gt;mới&lt;/i&gt;\.</ins>", page)
    assert "<i>mới</i>" not in page


@pytest.mark.parametrize("query", [{"a": "abc", "b": "99999999999999"}, {"a": "-1"}, {"a": "1", "b": "1"}, {}])
def test_compare_with_bad_input_is_never_a_500(seed, query):
    seed_draft(seed)
    assert as_(seed, "secretariat").get(reverse("reports:report-compare", args=[seed.bloc_year.pk]),
                                        query).status_code == 200


def test_a_representative_does_not_see_drafts_in_the_list(seed):
    seed_draft(seed)
    home = as_(seed, "rep").get(reverse("reports:report-home", args=[seed.bloc_year.pk]))
    assert home.status_code == 200 and b"data-version=" not in home.content


def test_the_year_and_the_vote_link_to_the_report(seed):
    secretariat = as_(seed, "secretariat")
    target = reverse("reports:report-home", args=[seed.bloc_year.pk]).encode()
    assert target in secretariat.get(seed.bloc_year.get_absolute_url()).content
    assert target in secretariat.get(reverse("awards:round-list", args=[seed.bloc_year.pk])).content


def test_the_report_home_query_count_does_not_grow_with_versions(seed, django_assert_max_num_queries):
    for _ in range(6):
        services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    client = as_(seed, "secretariat")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:report-home", args=[seed.bloc_year.pk]))
    assert response.content.count(b"data-version=") == 6


def test_the_editor_lists_the_comments_on_earlier_versions(seed):
    first = services.report_circulate(actor=seed.meeting.secretariat, version=seed_draft(seed))
    services.comment_add(actor=seed.meeting.reps["BDV"], version=first, unit=seed.unit("BDV"), section="lessons",
                         text="Thêm bài học về <u>dân vận</u>.")
    second = services.report_draft_create(actor=seed.meeting.secretariat, bloc_year=seed.bloc_year)
    page = as_(seed, "secretariat").get(reverse("reports:report-edit", args=[second.pk])).content.decode()
    assert 'id="earlier-comments"' in page and "Thêm bài học về &lt;u&gt;dân vận&lt;/u&gt;." in page


def test_the_admin_shows_versions_and_comments_read_only(seed):
    from tests.factories import make_user
    adopted = seed_adopted(seed)
    admin = client_for(make_user("admin_bc", is_superuser=True, is_staff=True))
    assert admin.get(reverse("admin:reports_reportversion_changelist")).status_code == 200
    page = admin.get(reverse("admin:reports_reportversion_change", args=[adopted.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin.post(reverse("admin:reports_reportversion_delete", args=[adopted.pk]), {"post": "yes"}
                      ).status_code == 403
    assert ReportVersion.objects.filter(pk=adopted.pk).exists()
