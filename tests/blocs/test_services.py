"""The registry's use cases (blocs/services/): what they refuse, what they write, what they audit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import translation

from blocs.models import AuditEntry, Award, BlocYear, Covenant, CovenantItem, Membership, Registration, Unit
from blocs.services.bloc_years import bloc_year_advance, bloc_year_create, bloc_year_open_next, bloc_year_update
from blocs.services.membership import leadership_set, membership_add, membership_remove
from blocs.services.registration import covenant_update, registration_save, registration_submit
from blocs.services.units import unit_save
from blocs.writable import ensure_writable
from tests.factories import add_member, make_bloc, make_bloc_year, make_province, make_unit, make_user

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CLOSED = "This bloc year is closed and can no longer be changed."


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # noqa: ANN001, ANN202
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def actor():  # noqa: ANN201
    return make_user("thu_ky_dv")


def year_with_members(n: int = 5, **overrides: object) -> BlocYear:
    return make_bloc_year(members=n, **overrides)


def units_of(bloc_year: BlocYear) -> list[Unit]:
    return [m.unit for m in bloc_year.memberships.select_related("unit").order_by("unit__name")]


def positions(bloc_year: BlocYear) -> dict[int, str]:
    return dict(Membership.objects.filter(bloc_year=bloc_year).values_list("unit_id", "position"))


# --- unit_save ----------------------------------------------------------------------------------------------


def test_unit_save_creates_a_unit_with_an_upper_case_code_and_audits(actor):
    unit = unit_save(actor=actor, data={"name": "Ban Tuyên giáo Tỉnh ủy", "short_code": "  btg-tu ",
                                        "province": make_province(), "kind": Unit.Kind.PARTY})
    assert Unit.objects.get(pk=unit.pk).short_code == "BTG-TU"
    entry = AuditEntry.objects.get(action="blocs.unit.created")
    assert entry.actor == actor and entry.object_id == str(unit.pk)
    assert entry.changes["short_code"] == [None, "BTG-TU"]


def test_unit_save_refuses_a_short_code_in_use_and_names_it(actor):
    make_unit(short_code="BTG")
    with pytest.raises(ValidationError) as caught:
        unit_save(actor=actor, data={"name": "Ban khác", "short_code": "btg",
                                     "province": make_province()})
    assert "BTG" in caught.value.message_dict["short_code"][0]
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            unit_save(actor=actor, data={"name": "Ban khác", "short_code": "btg",
                                         "province": make_province()})
    assert caught.value.message_dict["short_code"] == ["Another unit already uses the short code BTG."]
    assert Unit.objects.filter(short_code="BTG").count() == 1
    assert not AuditEntry.objects.filter(action="blocs.unit.created").exists()


def test_unit_save_lets_a_unit_keep_its_own_code(actor):
    unit = make_unit(short_code="BDV")
    unit_save(actor=actor, unit=unit, data={"name": "Ban Dân vận", "short_code": "bdv"})
    unit.refresh_from_db()
    assert (unit.name, unit.short_code) == ("Ban Dân vận", "BDV")
    assert AuditEntry.objects.get(action="blocs.unit.updated").changes["name"][1] == "Ban Dân vận"


@pytest.mark.parametrize("field", ["merged_into", "renamed_from"])
def test_unit_save_refuses_a_unit_merged_into_or_renamed_from_itself(actor, field):
    unit = make_unit()
    with pytest.raises(ValidationError):
        unit_save(actor=actor, unit=unit, data={field: unit})
    unit.refresh_from_db()
    assert getattr(unit, f"{field}_id") is None
    assert not AuditEntry.objects.exists()


# --- bloc_year_create ---------------------------------------------------------------------------------------


def test_bloc_year_create_makes_the_year_its_covenant_and_an_audit_entry(actor):
    bloc = make_bloc(founded_year=2010)
    bloc_year = bloc_year_create(actor=actor, bloc=bloc, year=2010,
                                 registration_deadline=dt.date(2010, 3, 31), place_name="Quảng Trị")
    assert bloc_year.status == BlocYear.Status.SETUP
    assert Covenant.objects.filter(bloc_year=bloc_year).exists()
    entry = AuditEntry.objects.get(action="blocs.bloc_year.created")
    assert (entry.actor, entry.bloc_year) == (actor, bloc_year)
    assert entry.changes == {"year": 2010, "registration_deadline": "2010-03-31", "place_name": "Quảng Trị"}


def test_bloc_year_create_refuses_a_year_before_the_founding(actor):
    bloc = make_bloc(founded_year=2010)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        bloc_year_create(actor=actor, bloc=bloc, year=2009)
    assert caught.value.messages == ["Year 2009 is before the bloc was founded (2010)."]
    assert not BlocYear.objects.filter(bloc=bloc).exists()
    assert not AuditEntry.objects.exists()


def test_bloc_year_create_refuses_a_second_copy_of_a_year(actor):
    bloc = make_bloc()
    bloc_year_create(actor=actor, bloc=bloc, year=2022)
    with pytest.raises(ValidationError) as caught:
        bloc_year_create(actor=actor, bloc=bloc, year=2022)
    assert "2022" in caught.value.messages[0]
    assert BlocYear.objects.filter(bloc=bloc).count() == 1
    assert AuditEntry.objects.filter(action="blocs.bloc_year.created").count() == 1


# --- bloc_year_advance --------------------------------------------------------------------------------------


def test_bloc_year_advance_walks_forward_to_closed_and_audits_each_step(actor):
    bloc_year = year_with_members(2, status=BlocYear.Status.SETUP)
    steps = []
    for _ in range(5):
        old = bloc_year.status
        bloc_year = bloc_year_advance(actor=actor, bloc_year=bloc_year, expected_status=old)
        steps.append([old, bloc_year.status])
    assert steps == [["setup", "registration"], ["registration", "scoring"], ["scoring", "meeting"],
                     ["meeting", "submitted"], ["submitted", "closed"]]
    entries = AuditEntry.objects.filter(action="blocs.bloc_year.status_changed").order_by("id")
    assert [e.changes["status"] for e in entries] == steps
    assert all(e.actor == actor and e.bloc_year_id == bloc_year.pk for e in entries)
    with pytest.raises(ValidationError):
        bloc_year_advance(actor=actor, bloc_year=bloc_year)
    assert BlocYear.objects.get(pk=bloc_year.pk).status == BlocYear.Status.CLOSED


def test_opening_registration_needs_members(actor):
    bloc_year = make_bloc_year(status=BlocYear.Status.SETUP)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        bloc_year_advance(actor=actor, bloc_year=bloc_year)
    assert caught.value.messages == ["Add the member units before opening registration."]
    assert BlocYear.objects.get(pk=bloc_year.pk).status == BlocYear.Status.SETUP
    assert not AuditEntry.objects.exists()


def test_advance_refuses_a_stale_expected_status(actor):
    bloc_year = year_with_members(2, status=BlocYear.Status.SCORING)
    with pytest.raises(ValidationError):
        bloc_year_advance(actor=actor, bloc_year=bloc_year, expected_status="registration")
    assert BlocYear.objects.get(pk=bloc_year.pk).status == BlocYear.Status.SCORING
    assert not AuditEntry.objects.exists()


# --- A closed year is read-only -----------------------------------------------------------------------------


def _update(bloc_year, actor, units):  # noqa: ANN001, ANN202
    bloc_year_update(actor=actor, bloc_year=bloc_year, registration_deadline=None, place_name="Huế")


def _advance(bloc_year, actor, units):  # noqa: ANN001, ANN202
    bloc_year_advance(actor=actor, bloc_year=bloc_year)


def _add(bloc_year, actor, units):  # noqa: ANN001, ANN202
    membership_add(actor=actor, bloc_year=bloc_year, units=[make_unit()])


def _remove(bloc_year, actor, units):  # noqa: ANN001, ANN202
    membership_remove(actor=actor, membership=bloc_year.memberships.get(unit=units[1]))


def _leadership(bloc_year, actor, units):  # noqa: ANN001, ANN202
    leadership_set(actor=actor, bloc_year=bloc_year, head=units[1], deputies=[])


def _covenant(bloc_year, actor, units):  # noqa: ANN001, ANN202
    covenant_update(actor=actor, bloc_year=bloc_year, signed_on=None, signed_place="",
                    items=[("A", "")])


def _register(bloc_year, actor, units):  # noqa: ANN001, ANN202
    registration_save(actor=actor, bloc_year=bloc_year, unit=units[2], targets="x", awards=[])


def _submit(bloc_year, actor, units):  # noqa: ANN001, ANN202
    registration_submit(actor=actor, registration=Registration.objects.get(bloc_year=bloc_year,
                                                                           unit=units[0]))


WRITES = [_update, _advance, _add, _remove, _leadership, _covenant, _register, _submit]


@pytest.mark.parametrize("write", WRITES)
def test_a_closed_year_refuses_every_write(actor, write):
    bloc_year = year_with_members(3, status=BlocYear.Status.CLOSED, place_name="Quảng Trị")
    units = units_of(bloc_year)
    Registration.objects.create(bloc_year=bloc_year, unit=units[0], targets="draft")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        write(bloc_year, actor, units)
    assert caught.value.messages == [CLOSED]
    bloc_year.refresh_from_db()
    assert (bloc_year.status, bloc_year.place_name) == (BlocYear.Status.CLOSED, "Quảng Trị")
    assert bloc_year.memberships.count() == 3
    assert set(positions(bloc_year).values()) == {Membership.Position.MEMBER}
    assert not CovenantItem.objects.filter(covenant__bloc_year=bloc_year).exists()
    assert list(Registration.objects.filter(bloc_year=bloc_year).values_list("unit", "submitted_at")) == [
        (units[0].pk, None)]
    assert not AuditEntry.objects.exists()


def test_ensure_writable_passes_an_open_year():
    ensure_writable(make_bloc_year(status=BlocYear.Status.SUBMITTED))


# --- membership_add -----------------------------------------------------------------------------------------


def test_membership_add_adds_units_and_audits(actor):
    bloc_year = make_bloc_year(status=BlocYear.Status.SETUP)
    units = [make_unit(), make_unit()]
    membership_add(actor=actor, bloc_year=bloc_year, units=units)
    assert set(bloc_year.memberships.values_list("unit", flat=True)) == {u.pk for u in units}
    assert set(bloc_year.memberships.values_list("year", flat=True)) == {2022}
    entry = AuditEntry.objects.get(action="blocs.membership.added")
    assert sorted(entry.changes["units"]) == sorted(u.name for u in units)


def test_membership_add_refuses_a_unit_already_in_another_bloc_that_year(actor):
    first = make_bloc_year(bloc=make_bloc(name="Khối các sở"))
    second = make_bloc_year(status=BlocYear.Status.SETUP)
    unit = make_unit(name="Sở Nội vụ")
    add_member(first, unit)
    with pytest.raises(ValidationError) as caught:
        membership_add(actor=actor, bloc_year=second, units=[make_unit(), unit])
    assert "Sở Nội vụ" in caught.value.messages[0] and "Khối các sở" in caught.value.messages[0]
    assert not second.memberships.exists()  # the whole call is one transaction
    assert not AuditEntry.objects.exists()


def test_membership_add_accepts_the_same_unit_in_another_year(actor):
    unit = make_unit()
    add_member(make_bloc_year(year=2021), unit)
    later = make_bloc_year(year=2022, status=BlocYear.Status.SETUP)
    membership_add(actor=actor, bloc_year=later, units=[unit])
    assert later.memberships.filter(unit=unit).exists()


def test_the_database_refuses_a_unit_in_two_blocs_in_one_year():
    unit = make_unit()
    add_member(make_bloc_year(), unit)
    other = make_bloc_year()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(bloc_year=other, unit=unit, year=other.year)
    assert Membership.objects.filter(unit=unit).count() == 1


# --- leadership_set -----------------------------------------------------------------------------------------


def test_leadership_set_head_and_two_deputies(actor):
    bloc_year = year_with_members(5)
    units = units_of(bloc_year)
    leadership_set(actor=actor, bloc_year=bloc_year, head=units[0], deputies=[units[1], units[2]])
    assert positions(bloc_year) == {units[0].pk: "head", units[1].pk: "deputy", units[2].pk: "deputy",
                                    units[3].pk: "member", units[4].pk: "member"}
    entry = AuditEntry.objects.get(action="blocs.bloc_year.leadership_set")
    assert entry.changes == {"head": [None, units[0].name],
                             "deputies": [[], sorted([units[1].name, units[2].name])]}
    # A second call moves the head; the old head becomes a plain member.
    leadership_set(actor=actor, bloc_year=bloc_year, head=units[3], deputies=[])
    assert positions(bloc_year) == {units[0].pk: "member", units[1].pk: "member", units[2].pk: "member",
                                    units[3].pk: "head", units[4].pk: "member"}


def _three_deputies(units, outsider):  # noqa: ANN001, ANN202
    return {"head": units[0], "deputies": units[1:4]}


def _deputy_is_head(units, outsider):  # noqa: ANN001, ANN202
    return {"head": units[0], "deputies": [units[0]]}


def _head_not_member(units, outsider):  # noqa: ANN001, ANN202
    return {"head": outsider, "deputies": []}


def _deputy_not_member(units, outsider):  # noqa: ANN001, ANN202
    return {"head": units[1], "deputies": [outsider]}


@pytest.mark.parametrize(("choice", "msgid"), [
    (_three_deputies, "A bloc year has at most 2 deputy units."),
    (_deputy_is_head, "A unit cannot be both head and deputy."),
    (_head_not_member, "The head unit must be a member of the bloc this year."),
    (_deputy_not_member, "Every deputy unit must be a member of the bloc this year."),
])
def test_leadership_set_refusals_change_nothing(actor, choice, msgid):
    bloc_year = year_with_members(5)
    units = units_of(bloc_year)
    leadership_set(actor=actor, bloc_year=bloc_year, head=units[4], deputies=[units[3]])
    before = positions(bloc_year)
    audit_count = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        leadership_set(actor=actor, bloc_year=bloc_year, **choice(units, make_unit()))
    assert msgid in caught.value.messages
    assert positions(bloc_year) == before
    assert AuditEntry.objects.count() == audit_count


# --- bloc_year_open_next ------------------------------------------------------------------------------------


@pytest.fixture
def meeting_year(actor):  # noqa: ANN001, ANN201
    bloc_year = year_with_members(5, status=BlocYear.Status.MEETING,
                                  registration_deadline=dt.date(2022, 3, 31), place_name="Quảng Trị")
    covenant_update(actor=actor, bloc_year=bloc_year, signed_on=dt.date(2022, 2, 15),
                    signed_place="Đông Hà",
                    items=[("Cải cách hành chính", "100% thủ tục trực tuyến"),
                           ("Xây dựng Đảng", "")])
    return bloc_year


def test_open_next_copies_members_deadline_covenant_and_sets_the_new_leadership(actor, meeting_year):
    units = units_of(meeting_year)
    retired = units[4]
    Unit.objects.filter(pk=retired.pk).update(is_active=False)
    next_year = bloc_year_open_next(actor=actor, bloc_year=meeting_year, head=units[1],
                                    deputies=[units[2], units[3]])
    assert (next_year.bloc_id, next_year.year, next_year.status) == (meeting_year.bloc_id, 2023, "setup")
    assert next_year.registration_deadline == dt.date(2023, 3, 31)
    assert next_year.place_name == "Quảng Trị"
    assert positions(next_year) == {units[0].pk: "member", units[1].pk: "head", units[2].pk: "deputy",
                                    units[3].pk: "deputy"}  # the inactive unit is not carried forward
    assert set(next_year.memberships.values_list("year", flat=True)) == {2023}
    assert list(next_year.covenant.items.values_list("order", "content", "target")) == [
        (1, "Cải cách hành chính", "100% thủ tục trực tuyến"), (2, "Xây dựng Đảng", "")]
    assert next_year.covenant.signed_on is None  # next year's covenant is signed anew
    entry = AuditEntry.objects.get(action="blocs.bloc_year.next_opened")
    assert entry.bloc_year == meeting_year and entry.object_id == str(next_year.pk)
    assert entry.changes == {"members": 4, "head": units[1].name, "deputies": [units[2].name, units[3].name]}
    # The old year is untouched.
    assert meeting_year.memberships.count() == 5


def test_open_next_from_a_closed_year(actor, meeting_year):
    BlocYear.objects.filter(pk=meeting_year.pk).update(status=BlocYear.Status.CLOSED)
    next_year = bloc_year_open_next(actor=actor, bloc_year=meeting_year, head=None, deputies=[])
    assert next_year.memberships.count() == 5


@pytest.mark.parametrize("status", ["setup", "registration", "scoring"])
def test_open_next_is_refused_before_the_meeting(actor, status):
    bloc_year = year_with_members(3, status=status)
    with pytest.raises(ValidationError):
        bloc_year_open_next(actor=actor, bloc_year=bloc_year, head=None, deputies=[])
    assert not BlocYear.objects.filter(year=2023).exists()


def test_open_next_is_refused_when_the_next_year_exists(actor, meeting_year):
    make_bloc_year(bloc=meeting_year.bloc, year=2023, status=BlocYear.Status.SETUP)
    units = units_of(meeting_year)
    with pytest.raises(ValidationError) as caught:
        bloc_year_open_next(actor=actor, bloc_year=meeting_year, head=units[0], deputies=[])
    assert "2023" in caught.value.messages[0]
    assert not Membership.objects.filter(year=2023).exists()
    assert not AuditEntry.objects.filter(action="blocs.bloc_year.next_opened").exists()


def test_open_next_refuses_a_head_who_is_not_a_member(actor, meeting_year):
    with pytest.raises(ValidationError):
        bloc_year_open_next(actor=actor, bloc_year=meeting_year, head=make_unit(), deputies=[])
    assert not BlocYear.objects.filter(year=2023).exists()


# --- covenant_update ----------------------------------------------------------------------------------------


def test_covenant_update_replaces_items_and_audits(actor):
    bloc_year = year_with_members(2)
    covenant_update(actor=actor, bloc_year=bloc_year, signed_on=None, signed_place="",
                             items=[("A", "a"), ("B", ""), ("C", "c")])
    covenant = covenant_update(actor=actor, bloc_year=bloc_year, signed_on=dt.date(2022, 2, 1),
                               signed_place="Đông Hà", items=[("D", "d")])
    covenant.refresh_from_db()
    assert (covenant.signed_on, covenant.signed_place) == (dt.date(2022, 2, 1), "Đông Hà")
    assert list(covenant.items.values_list("order", "content", "target")) == [(1, "D", "d")]
    last = AuditEntry.objects.filter(action="blocs.covenant.updated").order_by("-id").first()
    assert last.changes["items"] == [[["A", "a"], ["B", ""], ["C", "c"]], [["D", "d"]]]
    assert last.changes["signed_on"] == [None, "2022-02-01"]


def test_covenant_update_stores_the_scan(actor):
    bloc_year = year_with_members(2)
    scan = SimpleUploadedFile("giao-uoc.pdf", PDF, content_type="application/pdf")
    covenant = covenant_update(actor=actor, bloc_year=bloc_year, signed_on=None, signed_place="",
                               items=[], scan=scan)
    covenant = Covenant.objects.get(pk=covenant.pk)
    assert covenant.scan.name.startswith("attachments/covenant/giao-uoc")
    with covenant.scan.open("rb") as stored:
        assert stored.read() == PDF
    assert AuditEntry.objects.get(action="blocs.covenant.updated").changes["scan"] == ["", covenant.scan.name]


# --- registration_save and registration_submit --------------------------------------------------------------


@pytest.fixture
def open_year():  # noqa: ANN201
    return year_with_members(3, registration_deadline=dt.date(2022, 3, 31))


def test_registration_save_stores_targets_and_awards(actor, open_year):
    unit = units_of(open_year)[0]
    flag = Award.objects.get(code="co-thi-dua-ubnd-tinh")
    registration = registration_save(actor=actor, bloc_year=open_year, unit=unit,
                                     targets="100% chi bộ vững mạnh", awards=[flag])
    assert list(registration.awards.all()) == [flag]
    registration_save(actor=actor, bloc_year=open_year, unit=unit, targets="Mới", awards=[])
    registration.refresh_from_db()
    assert registration.targets == "Mới" and not registration.awards.exists()
    assert Registration.objects.filter(bloc_year=open_year, unit=unit).count() == 1
    assert AuditEntry.objects.filter(action="blocs.registration.saved").count() == 2


def test_registration_save_refuses_a_non_member(actor, open_year):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        registration_save(actor=actor, bloc_year=open_year, unit=make_unit(), targets="x", awards=[])
    assert caught.value.messages == ["This unit is not a member of the bloc this year."]
    assert not Registration.objects.exists()


@pytest.mark.parametrize("status", ["setup", "meeting", "submitted"])
def test_registration_save_refuses_outside_the_registration_period(actor, status):
    bloc_year = year_with_members(2, status=status)
    with pytest.raises(ValidationError):
        registration_save(actor=actor, bloc_year=bloc_year, unit=units_of(bloc_year)[0], targets="x",
                          awards=[])
    assert not Registration.objects.exists()


def _draft(bloc_year: BlocYear, actor, unit: Unit | None = None, targets: str = "Mục tiêu") -> Registration:  # noqa: ANN001
    return registration_save(actor=actor, bloc_year=bloc_year, unit=unit or units_of(bloc_year)[0],
                             targets=targets, awards=[])


def test_registration_submit_records_who_and_when(actor, open_year):
    now = dt.datetime(2022, 3, 1, 9, 0, tzinfo=HCM)
    registration = registration_submit(actor=actor, registration=_draft(open_year, actor), now=now)
    registration.refresh_from_db()
    assert (registration.submitted_at, registration.submitted_by, registration.is_late) == (now, actor, False)
    assert AuditEntry.objects.get(action="blocs.registration.submitted").changes == {"is_late": False}


def test_submitting_twice_is_refused(actor, open_year):
    registration = registration_submit(actor=actor, registration=_draft(open_year, actor),
                                       now=dt.datetime(2022, 3, 1, tzinfo=HCM))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        registration_submit(actor=actor, registration=registration,
                            now=dt.datetime(2022, 3, 2, tzinfo=HCM))
    assert caught.value.messages == ["This registration has already been submitted."]
    registration.refresh_from_db()
    assert registration.submitted_at == dt.datetime(2022, 3, 1, tzinfo=HCM)
    assert AuditEntry.objects.filter(action="blocs.registration.submitted").count() == 1


def test_a_saved_registration_cannot_be_changed_after_submission(actor, open_year):
    registration = _draft(open_year, actor)
    registration_submit(actor=actor, registration=registration,
                        now=dt.datetime(2022, 3, 1, tzinfo=HCM))
    with pytest.raises(ValidationError):
        _draft(open_year, actor, targets="Sửa sau khi nộp")
    registration.refresh_from_db()
    assert registration.targets == "Mục tiêu"


@pytest.mark.parametrize(("local_time", "late"), [
    pytest.param(dt.datetime(2022, 3, 31, 0, 0), False, id="deadline-day-first-minute"),
    pytest.param(dt.datetime(2022, 3, 31, 23, 59), False, id="deadline-day-last-minute"),
    pytest.param(dt.datetime(2022, 4, 1, 0, 1), True, id="next-day-first-minute"),
])
def test_late_is_judged_by_the_calendar_day_in_vietnam(actor, open_year, local_time, late):
    # 23:59 in Hà Nội on the deadline is 16:59 UTC the same day; 00:01 the next day is still 17:01 UTC
    # on the deadline day, so a UTC-based check would get this wrong.
    registration = registration_submit(actor=actor, registration=_draft(open_year, actor),
                                                now=local_time.replace(tzinfo=HCM).astimezone(dt.UTC))
    assert Registration.objects.get(pk=registration.pk).is_late is late


def test_late_flag_uses_the_clock_when_no_time_is_given(actor, open_year):
    with time_machine.travel(dt.datetime(2022, 4, 1, 0, 30, tzinfo=HCM), tick=False):
        late = registration_submit(actor=actor, registration=_draft(open_year, actor))
    with time_machine.travel(dt.datetime(2022, 3, 31, 23, 30, tzinfo=HCM), tick=False):
        on_time = registration_submit(actor=actor,
                                      registration=_draft(open_year, actor, units_of(open_year)[1]))
    assert (late.is_late, on_time.is_late) == (True, False)
    assert AuditEntry.objects.filter(action="blocs.registration.submitted",
                                     changes={"is_late": True}).count() == 1


def test_no_deadline_is_never_late(actor):
    bloc_year = year_with_members(2)
    registration = registration_submit(actor=actor, registration=_draft(bloc_year, actor),
                                       now=dt.datetime(2030, 1, 1, tzinfo=HCM))
    assert not registration.is_late


def test_an_empty_registration_cannot_be_submitted(actor, open_year):
    registration = _draft(open_year, actor, targets="   ")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        registration_submit(actor=actor, registration=registration)
    assert caught.value.messages == ["Enter the targets or choose at least one title before submitting."]
    assert Registration.objects.get(pk=registration.pk).submitted_at is None


def test_a_registration_with_only_a_title_can_be_submitted(actor, open_year):
    registration = registration_save(actor=actor, bloc_year=open_year, unit=units_of(open_year)[0],
                                     targets="", awards=[Award.objects.first()])
    assert registration_submit(actor=actor, registration=registration).is_submitted


def test_submit_refuses_a_unit_that_left_the_bloc(actor, open_year):
    unit = units_of(open_year)[0]
    registration = Registration.objects.create(bloc_year=open_year, unit=unit, targets="x")
    Membership.objects.filter(bloc_year=open_year, unit=unit).delete()
    with pytest.raises(ValidationError):
        registration_submit(actor=actor, registration=registration)
    assert Registration.objects.get(pk=registration.pk).submitted_at is None


# --- The audit trail is append-only -------------------------------------------------------------------------


@pytest.fixture
def entry(actor):  # noqa: ANN001, ANN201
    bloc_year_create(actor=actor, bloc=make_bloc(), year=2022)
    return AuditEntry.objects.get()


def test_an_audit_entry_cannot_be_saved_again(entry):
    entry.action = "x"
    with pytest.raises(TypeError):
        entry.save()
    assert AuditEntry.objects.get().action == "blocs.bloc_year.created"


def test_an_audit_entry_cannot_be_deleted(entry):
    with pytest.raises(TypeError):
        entry.delete()
    assert AuditEntry.objects.count() == 1


def test_the_database_refuses_to_update_audit_entries(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    assert AuditEntry.objects.get().action == "blocs.bloc_year.created"
