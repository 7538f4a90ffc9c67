"""Every message in Vietnamese (issue 10, item 4): database rules in words, Django's own field messages,
and a change log that names actions and changes in words, never in developer codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from blocs.audit import audit
from blocs.audit_labels import ACTIONS, change_lines
from blocs.forms import AwardForm, BlocForm
from emulation.constraints import MESSAGES
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]


def test_every_named_constraint_has_a_sentence():
    names = {constraint.name for app in ("blocs", "awards", "reports")
             for model in apps.get_app_config(app).get_models() for constraint in model._meta.constraints}
    assert names - set(MESSAGES) == set(), "add a sentence to emulation/constraints.py MESSAGES"
    assert set(MESSAGES) - names == set(), "MESSAGES names a constraint that no longer exists"


@pytest.mark.django_db
def test_a_founding_year_out_of_range_is_refused_in_a_vietnamese_sentence(world):
    form = BlocForm(data={"name": "Khối thi đua các Sở, ngành Kinh tế", "code": "khoi-kinh-te", "kind": "bloc",
                          "province": world.bloc_year.bloc.province_id, "founded_year": "1900"})
    assert not form.is_valid()
    text = " ".join(str(m) for messages in form.errors.values() for m in messages)
    assert "Năm thành lập phải từ 1945 đến 2200." in text
    assert "Constraint" not in text and "bloc_founded_year_plausible" not in text


@pytest.mark.django_db
def test_an_award_for_nobody_and_a_bad_slug_are_refused_in_vietnamese(world):
    award = AwardForm(data={"name": "Giấy khen", "code": "giay-khen", "kind": "certificate", "level": "province",
                            "order": "1", "is_active": "on"})
    assert not award.is_valid()
    assert "tích ít nhất một ô" in " ".join(award.non_field_errors())
    bloc = BlocForm(data={"name": "Khối mới", "code": "khối mới!", "kind": "bloc",
                          "province": world.bloc_year.bloc.province_id, "founded_year": "2010"})
    assert not bloc.is_valid()
    assert "Nhập mã hợp lệ" in " ".join(bloc.errors["code"])
    assert "slug" not in " ".join(bloc.errors["code"])


def _audit_actions_in_code() -> set[str]:
    """Every literal `action="..."` the code passes to audit(), and the dossier's computed ones."""
    found = set()
    for path in [*ROOT.glob("blocs/**/*.py"), *ROOT.glob("awards/**/*.py"), *ROOT.glob("reports/**/*.py"),
                 *ROOT.glob("emulation/**/*.py")]:
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "action" and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) and "." in node.value.value:
                found.add(node.value.value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"(blocs|awards|reports)\.[a-z_]+\.[a-z_]+", node.value):
                found.add(node.value)
    from awards.models import Dossier

    found |= {f"awards.dossier.{status}" for status in Dossier.Status.values if status != Dossier.Status.DRAFT}
    return found


def test_every_audit_action_written_by_the_code_has_a_label():
    written = _audit_actions_in_code()
    assert len(written) > 50
    assert sorted(written - set(ACTIONS)) == [], "add a label to blocs/audit_labels.py ACTIONS"


@pytest.mark.django_db
def test_the_change_log_reads_in_words(world):
    year = world.bloc_year
    with translation.override("vi"):
        audit(actor=world.users["secretariat"], action="blocs.bloc_year.status_changed", bloc_year=year, obj=year,
              changes={"status": ["registration", "scoring"]})
        audit(actor=world.users["secretariat"], action="blocs.self_scores.saved", bloc_year=year, obj=year,
              changes={"disqualified": None, "final_total": "27.50", "is_late": [False, True]})
        audit(actor=world.users["secretariat"], action="blocs.role.granted", bloc_year=year, obj=year,
              changes={"role": "representative", "scope": "Ban Dân vận Tỉnh ủy"})
    page = client_for(world.users["secretariat"]).get(reverse("blocs:year-audit", args=[year.pk]))
    html = page.content.decode()
    assert "Chuyển năm sang bước tiếp theo" in html
    assert "Trạng thái: Đăng ký thi đua → Chấm điểm" in html
    assert "Vai trò: Đại diện đơn vị" in html
    assert "Không xét thi đua: —" in html
    assert ": không → có" in html
    assert "27,50" in html
    for code in ("blocs.bloc_year.status_changed", "blocs.self_scores.saved", "registration", "disqualified",
                 "final_total", "None", "True"):
        assert code not in html.split("<main", 1)[1], code


def test_change_lines_show_an_old_and_a_new_value_as_a_change():
    with translation.override("vi"):
        lines = dict(change_lines({"name": ["Sở Tài chính", "Sở Tài chính tỉnh"], "units": ["A", "B"]}))
    assert lines["tên"] == "Sở Tài chính → Sở Tài chính tỉnh"
    assert lines["đơn vị"] == "A, B"
