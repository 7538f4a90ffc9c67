"""Issue 10, item 10: searching units the Vietnamese way — accents, đ and case ignored, on every database."""

from __future__ import annotations

import pytest
from django.urls import reverse

from blocs import rules
from blocs.models import RoleGrant
from tests.conftest import client_for
from tests.factories import grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["tai chinh", "TÀI CHÍNH", "Tài Chính", "so tai", "stc"])
def test_the_unit_list_finds_a_unit_without_its_accents(query):
    province = make_province()
    make_unit(name="Sở Tài chính", short_code="STC", province=province)
    make_unit(name="Sở Tư pháp", short_code="STP", province=province)
    admin = make_user(is_superuser=True, is_staff=True)
    html = client_for(admin).get(reverse("blocs:unit-list"), {"q": query}).content.decode()
    assert "Sở Tài chính" in html and "Sở Tư pháp" not in html


def test_the_add_member_list_has_a_search_that_reads_d_as_đ():
    province = make_province()
    bloc_year = make_bloc_year(bloc=make_bloc(province=province))
    make_unit(name="Đảng ủy Khối các cơ quan tỉnh", short_code="DUK", province=province)
    make_unit(name="Sở Tài chính", short_code="STC", province=province)
    secretariat = make_user()
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc_year.bloc)
    url = reverse("blocs:member-add", args=[bloc_year.pk])
    html = client_for(secretariat).get(url, {"q": "dang uy"}).content.decode()
    assert "Đảng ủy Khối các cơ quan tỉnh" in html and "Sở Tài chính" not in html
    html = client_for(secretariat).get(url).content.decode()
    assert "Đảng ủy Khối các cơ quan tỉnh" in html and "Sở Tài chính" in html


@pytest.mark.parametrize(("query", "text", "found"), [
    ("tai chinh", "Sở Tài chính", True), ("ĐẢNG", "đảng ủy", True), ("dang", "Đảng ủy", True),
    ("  so   chinh ", "Sở Tài chính", True), ("tai chinh", "Sở Tư pháp", False), ("", "anything", True),
])
def test_search_matches(query, text, found):
    assert rules.search_matches(query, text) is found
