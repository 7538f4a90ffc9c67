"""The registration journey in a real browser: the secretariat sets a year up and opens registration,
a representative registers and submits, and the secretariat sees the count move.

Selectors are URLs, form field ids and values, never translated text (numbers like "1/4" aside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from blocs.models import Award, Bloc, BlocYear, Membership, Registration, RoleGrant, Unit, User
from tests.e2e.helpers import sign_in, url_of
from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAIN_SUBMIT = "main form button[type=submit]"


@dataclass
class Start:
    bloc: Bloc
    units: list[Unit]
    secretariat: User
    representative: User
    award: Award


def _start() -> Start:
    """A bloc with no year yet, four units of its province, a secretariat and a representative."""
    province = make_province()
    bloc = make_bloc(name="Khối thi đua các Ban, cơ quan của Đảng", province=province)
    names = ["Ban Tuyên giáo Tỉnh ủy", "Ban Dân vận Tỉnh ủy", "Ban Tổ chức Tỉnh ủy",
             "Ủy ban Kiểm tra Tỉnh ủy"]
    units = [make_unit(name=name, province=province) for name in names]
    secretariat = make_user("thu_ky", unit=units[0])
    grant(secretariat, RoleGrant.Kind.SECRETARIAT, bloc=bloc)
    representative = make_user("dai_dien", unit=units[1])
    grant(representative, RoleGrant.Kind.REPRESENTATIVE, unit=units[1])
    # Transactional tests empty the tables, the migration's catalogue included: make sure one title exists.
    award, _created = Award.objects.get_or_create(code="co-thi-dua-ubnd-tinh", defaults={
        "name": "Cờ thi đua của UBND tỉnh", "kind": Award.Kind.TITLE, "level": Award.Level.PROVINCIAL,
        "for_collectives": True, "order": 20})
    return Start(bloc=bloc, units=units, secretariat=secretariat, representative=representative, award=award)



def _sign_in(page: Page, live_server: Any, user: User) -> None:
    sign_in(page, live_server, user.username, "pw-" + user.username)  # the factory's password


def _sign_out(page: Page, live_server) -> None:  # noqa: ANN001
    page.click(f'form[action="{reverse("logout")}"] button[type=submit]')
    page.wait_for_url(url_of(live_server, "login"))


def test_secretariat_opens_registration_and_a_representative_submits(live_server, page: Page, shot) -> None:
    start = _start()
    year = timezone.localdate().year
    deadline = dt.date(year, 12, 31)
    dialogs: list[str] = []

    def accept(dialog) -> None:  # noqa: ANN001
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    # The secretariat creates the year.
    _sign_in(page, live_server, start.secretariat)
    shot(page, "secretariat-home")
    page.goto(url_of(live_server, "blocs:year-create", start.bloc.pk))
    page.fill("#id_year", str(year))
    shot(page, "year-create")
    page.click(MAIN_SUBMIT)
    bloc_year = BlocYear.objects.get(bloc=start.bloc, year=year)
    page.wait_for_url(url_of(live_server, "blocs:year-detail", bloc_year.pk))
    shot(page, "year-created")

    # Member units: the checkbox form.
    page.goto(url_of(live_server, "blocs:member-add", bloc_year.pk))
    shot(page, "member-add")
    for unit in start.units:
        page.check(f'input[name=units][value="{unit.pk}"]')
    shot(page, "members-ticked")
    page.click("main form:has(input[name=units]) button[type=submit]")  # not the search box's button above
    page.wait_for_url(url_of(live_server, "blocs:year-detail", bloc_year.pk))
    for unit in start.units:
        expect(page.locator(f'main a[href="{unit.get_absolute_url()}"]')).to_be_visible()
    shot(page, "members-added")

    # The head unit.
    page.goto(url_of(live_server, "blocs:year-leadership", bloc_year.pk))
    page.select_option("#id_head", str(start.units[0].pk))
    page.click(MAIN_SUBMIT)
    page.wait_for_url(url_of(live_server, "blocs:year-detail", bloc_year.pk))
    shot(page, "head-set")

    # The registration deadline.
    page.goto(url_of(live_server, "blocs:year-edit", bloc_year.pk))
    page.fill("#id_registration_deadline", deadline.isoformat())
    shot(page, "deadline")
    page.click(MAIN_SUBMIT)
    page.wait_for_url(url_of(live_server, "blocs:year-detail", bloc_year.pk))

    # Move the year to registration (a confirm dialog first).
    advance = page.locator(f'form[action="{reverse("blocs:year-advance", args=[bloc_year.pk])}"]')
    expect(advance.locator("input[name=status]")).to_have_value(BlocYear.Status.SETUP)
    shot(page, "before-advance")
    advance.locator("button[type=submit]").click()
    expect(advance.locator("input[name=status]")).to_have_value(BlocYear.Status.REGISTRATION)
    shot(page, "registration-open")
    bloc_year.refresh_from_db()
    assert bloc_year.status == BlocYear.Status.REGISTRATION
    assert bloc_year.registration_deadline == deadline
    head = Membership.objects.get(bloc_year=bloc_year, position=Membership.Position.HEAD)
    assert head.unit == start.units[0]
    _sign_out(page, live_server)

    # The representative registers from the home page.
    _sign_in(page, live_server, start.representative)
    edit_url = reverse("blocs:registration-edit", args=[bloc_year.pk, start.units[1].pk])
    shot(page, "representative-home")
    page.click(f'main a[href="{edit_url}"]')
    page.wait_for_url(live_server.url + edit_url)
    targets = "100% chi bộ đạt trong sạch, vững mạnh; hoàn thành 12/12 chỉ tiêu giao ước"
    page.fill("#id_targets", targets)
    page.check(f'input[name=awards][value="{start.award.pk}"]')
    shot(page, "registration-filled")
    page.click("form:has(#id_targets) button[type=submit]")
    submit_url = reverse("blocs:registration-submit", args=[bloc_year.pk, start.units[1].pk])
    submit_form = page.locator(f'form[action="{submit_url}"]')
    expect(submit_form).to_be_visible()  # appears once a draft exists
    expect(page.locator("#id_targets")).to_have_value(targets)
    expect(page.locator(f'input[name=awards][value="{start.award.pk}"]')).to_be_checked()
    shot(page, "draft-saved")

    submit_form.locator("button[type=submit]").click()
    expect(page.locator("#id_targets")).to_have_count(0)  # the form is gone: submitted, read-only
    expect(page.locator('main .alert-success[role="status"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text(targets)
    expect(page.locator("main")).to_contain_text(start.award.name)
    shot(page, "submitted")
    registration = Registration.objects.get(bloc_year=bloc_year, unit=start.units[1])
    assert registration.is_submitted and not registration.is_late
    assert registration.submitted_by == start.representative
    assert len(dialogs) == 2, dialogs  # advancing the year and submitting both asked first
    _sign_out(page, live_server)

    # The secretariat's year page counts the registration.
    _sign_in(page, live_server, start.secretariat)
    page.goto(url_of(live_server, "blocs:year-detail", bloc_year.pk))
    expect(page.locator("main")).to_contain_text("1/4")
    shot(page, "secretariat-sees-1-of-4")


def test_registration_page_fits_a_phone(live_server, page: Page, shot) -> None:
    start = _start()
    year = timezone.localdate().year
    bloc_year = make_bloc_year(bloc=start.bloc, year=year, status=BlocYear.Status.REGISTRATION,
                               registration_deadline=dt.date(year, 12, 31))
    for unit in start.units:
        add_member(bloc_year, unit)
    page.set_viewport_size({"width": 390, "height": 844})

    _sign_in(page, live_server, start.representative)
    page.goto(url_of(live_server, "blocs:registration-edit", bloc_year.pk, start.units[1].pk))
    expect(page.locator("#id_targets")).to_be_visible()
    shot(page, "registration-phone")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"horizontal scroll on a phone: page is {scroll_width}px wide"
