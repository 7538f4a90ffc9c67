"""The permission matrix: every URL name × every persona, with the exact status code (style.md, "Tests").

The statuses are one table for every app, a column per persona (tests/permission_matrix.py); this module says
how each URL of the project, blocs and awards is requested (method, what its parameters point at) and checks
every cell. A new URL name fails `test_every_url_name_is_in_the_matrix` until it has a row here and in the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from awards.models import Candidate, Round, RuleSet
from blocs.models import (
    Award,
    BlocYear,
    CalendarFeed,
    CheckAssignment,
    Covenant,
    Evidence,
    Membership,
    RoleGrant,
    Scorecard,
    ScoreLine,
    ScoringItem,
    ScoringTable,
)
from blocs.services.reminders import token_hash
from tests.conftest import PERSONAS, client_for
from tests.permission_matrix import EXPECTED
from tests.reports.test_documents_permissions import DOCUMENT_URL_ROWS
from tests.reports.test_report_views import MATRIX as REPORT_MATRIX

# The documents' rows need report versions in every state (an adopted one renders its PDF), so their
# matrices live beside them, with the same personas and the same rules; they count as covered here.
COVERED_ELSEWHERE = set(REPORT_MATRIX) | set(DOCUMENT_URL_ROWS)

# The namespaces whose names the matrix covers; names outside any namespace are the project's own pages.
# The admin has its own permission system (is_staff) and is left to Django.
NAMESPACES = {"blocs", "awards", "reports"}


@dataclass(frozen=True)
class Row:
    """How a URL is requested; `pk` says which object of the first bloc a `pk` argument is. Its expected status
    per persona is the URL name's row of the status table."""

    method: str = "get"
    pk: str | None = None
    login_required: bool = True
    params: dict[str, str] = field(default_factory=lambda: {"bloc_pk": "bloc", "unit_pk": "unit",
                                                            "membership_pk": "membership", "item_pk": "item",
                                                            "evidence_pk": "evidence", "checker_pk": "checker"})
    expected: dict[str, int] = field(default_factory=dict)


ROWS: dict[str, Row] = {
    # Project pages.
    "login": Row(login_required=False),
    "logout": Row(method="post", login_required=False),
    "password_change": Row(),
    "password_change_done": Row(),
    "set_language": Row(method="post", login_required=False),
    "healthz": Row(login_required=False),
    # A one-time sign-in link opens without an account; a made-up one says it is used or expired.
    "password_reset_confirm": Row(login_required=False,
                                  params={"uidb64": "uid", "token": "token"}),
    # Typing in a form keeps the session alive (emulation/idle.py); signed out, it says so with 401.
    "keepalive": Row(method="post", login_required=False),
    "password_reset_complete": Row(login_required=False),
    # Home and units.
    "blocs:home": Row(),
    "blocs:unit-list": Row(),
    "blocs:unit-create": Row(),
    "blocs:unit-detail": Row(pk="unit"),
    # The secretariat of a bloc the unit sits in, the province board and the admin edit a unit.
    "blocs:unit-edit": Row(pk="unit"),
    # The 2025 reorganization: the board and the secretariat of the unit's bloc; a province merger, its board.
    "blocs:unit-merge": Row(),
    "blocs:unit-split": Row(pk="unit"),
    "blocs:province-merge": Row(pk="province"),
    # Blocs.
    "blocs:bloc-list": Row(),
    "blocs:bloc-create": Row(),  # the board founds blocs
    "blocs:bloc-detail": Row(pk="bloc"),
    "blocs:bloc-edit": Row(pk="bloc"),
    "blocs:year-create": Row(),
    # People and roles (issue 10): the board names the secretariat and the chair, the secretariat the
    # representatives; both hand out sign-in links.
    "blocs:bloc-people": Row(pk="bloc"),
    "blocs:officer-add": Row(pk="bloc", params={"role": "role"}),
    "blocs:representative-add": Row(pk="bloc",
                                    params={"unit_pk": "unit"}),
    "blocs:role-remove": Row(method="post", pk="bloc",
                             params={"grant_pk": "grant"}),
    "blocs:signin-link": Row(method="post", pk="bloc",
                             params={"user_pk": "person"}),
    "blocs:representative-standing": Row(method="post", pk="bloc", params={"grant_pk": "grant"}),
    # Provinces and their boards: the administrator's screens of a fresh installation; a province where the
    # person has no role is not found.
    "blocs:province-list": Row(),
    "blocs:province-create": Row(),
    "blocs:board-add": Row(pk="province"),
    "blocs:board-remove": Row(method="post", pk="province", params={"grant_pk": "board_grant"}),
    "blocs:board-signin-link": Row(method="post", pk="province", params={"user_pk": "board_person"}),
    # A bloc year.
    "blocs:year-detail": Row(pk="year"),
    "blocs:year-edit": Row(pk="year"),
    # Dates and reminders (issue 14, item 5): everyone of the bloc reads the dates, the secretariat edits them;
    # each person's own page; the calendar feed is reached by its secret token alone, without a session.
    "blocs:year-dates": Row(pk="year"),
    "blocs:my-settings": Row(),
    "blocs:my-reminders": Row(method="post"),
    "blocs:calendar-link-create": Row(method="post"),
    "blocs:calendar-link-revoke": Row(method="post"),
    "blocs:calendar-feed": Row(login_required=False, params={"token": "feed"}),
    "blocs:year-advance": Row(method="post", pk="year"),
    "blocs:member-add": Row(pk="year"),
    "blocs:member-remove": Row(method="post", pk="year"),
    "blocs:member-import": Row(pk="year"),
    # Nothing uploaded yet: the secretariat is sent back to the upload page.
    "blocs:member-import-confirm": Row(method="post", pk="year"),
    "blocs:member-import-template": Row(pk="year"),
    "blocs:member-export": Row(pk="year"),
    "blocs:year-leadership": Row(pk="year"),
    "blocs:year-open-next": Row(pk="year"),
    "blocs:year-audit": Row(pk="year"),
    "blocs:archive-export": Row(pk="year"),
    "blocs:archive-import": Row(),
    # Covenant and registrations.
    "blocs:covenant-detail": Row(pk="year"),
    "blocs:covenant-edit": Row(pk="year"),
    "blocs:covenant-scan": Row(pk="year"),
    "blocs:registration-list": Row(pk="year"),
    # The unit's own representative, or the secretariat on its behalf.
    "blocs:registration-edit": Row(pk="year"),
    # Nothing saved yet: the page says so and redirects back to the form.
    "blocs:registration-submit": Row(method="post", pk="year"),
    # The award catalogue is shared by every bloc: anyone with a role reads it.
    "blocs:award-list": Row(),
    "blocs:award-create": Row(),
    "blocs:award-edit": Row(pk="award"),
    # Scoring (domain.md §1.3). The year is at scoring: the table is locked, so deleting a line is refused
    # with a message and a redirect.
    "blocs:scoring-table": Row(pk="year"),
    "blocs:scoring-item-add": Row(pk="year"),
    "blocs:scoring-import": Row(pk="year"),
    "blocs:scoring-xlsx": Row(pk="year"),
    "blocs:scoring-item-edit": Row(pk="year"),
    "blocs:scoring-item-delete": Row(method="post", pk="year"),
    # The representative's own unit scores itself; the bloc's secretariat (and the admin) may enter it on the
    # unit's behalf (issue 10, item 2). Submitting without a day received sends the secretariat back.
    "blocs:self-scores": Row(pk="year"),
    "blocs:self-scores-submit": Row(method="post", pk="year"),
    # The self-score workbook of every unit, its upload and preview, and the confirmation (nothing kept in the
    # session: the secretariat is sent back to the upload with a message).
    "blocs:self-scores-workbook": Row(pk="year"),
    "blocs:self-scores-import": Row(pk="year"),
    "blocs:self-scores-import-confirm": Row(method="post", pk="year"),
    # No file attached: the representative is sent back to the page with a message.
    "blocs:evidence-add": Row(method="post", pk="year"),
    # The evidence is the representative's own unit's; the secretariat, chair and board read it too.
    "blocs:evidence-download": Row(pk="year"),
    # A representative sees its own unit's checks; the secretariat sees every assignment.
    "blocs:check-list": Row(pk="year"),
    # Only the checker unit's representative enters its values.
    "blocs:check-scores": Row(pk="year",
                              params={"unit_pk": "checked", "checker_pk": "checker"}),
    "blocs:verify-scores": Row(pk="year"),
    # Not published yet: members get 403 until the secretariat publishes.
    "blocs:score-table": Row(pk="year"),
    "blocs:score-table-xlsx": Row(pk="year"),
    "blocs:scores-publish": Row(method="post", pk="year"),
    # The year-end vote (domain.md §3): the secretariat sets it up, the chair opens and closes, members vote.
    "awards:rule-set": Row(pk="year"),
    "awards:meeting-edit": Row(pk="year"),
    "awards:round-list": Row(pk="year"),
    # Voting cards (issue 11): the secretariat's page; the card holder's pages need no account.
    "awards:cards": Row(pk="year"),
    # The screen for the room: read-only, for everyone of the bloc (it is what the projector shows).
    "awards:room": Row(pk="year"),
    "awards:room-live": Row(pk="year"),
    "awards:card-enter": Row(login_required=False),
    "awards:card-ballot": Row(login_required=False),
    "awards:card-cast": Row(method="post", login_required=False),
    "awards:card-leave": Row(method="post", login_required=False),
    "reports:card-sheet": Row(method="post", pk="year"),
    # The year already has a round: the secretariat is told so and sent back.
    "awards:rounds-generate": Row(method="post", pk="year"),
    # No head elected yet: the secretariat is told so and sent back to the rounds.
    "awards:next-year-open": Row(method="post", pk="year"),
    "awards:round-detail": Row(pk="round"),
    "awards:round-settings": Row(pk="round"),
    "awards:candidates-edit": Row(pk="round"),
    "awards:candidates-generate": Row(method="post", pk="round"),
    # The year is not at its meeting: the service refuses with a message and a redirect.
    "awards:round-open": Row(method="post", pk="round"),
    "awards:round-close": Row(pk="round"),
    # The round is a draft: nothing to discard, the chair is told so and sent back.
    "awards:round-discard-online": Row(method="post", pk="round"),
    # Only a representative of a member unit votes; the round is a draft, so the page says it is not open.
    "awards:vote": Row(pk="round"),
    # The round is a draft: the ballot page answers with the refusal (no redirect names the unit).
    "awards:vote-cast": Row(method="post", pk="round"),
    "awards:paper-ballot": Row(pk="round"),
    "awards:paper-reconcile": Row(method="post", pk="round"),
    "awards:paper-count": Row(pk="round"),
    # Everyone of the bloc may check receipts (the list itself appears after the close).
    "awards:verification": Row(pk="round"),
    "awards:ballot-paper": Row(pk="round"),
    # Nominations, the dossier and the province's screens (issue 4).
    "awards:condition-add": Row(method="post", pk="year"),
    "awards:condition-remove": Row(method="post", pk="year"),
    "awards:nomination-list": Row(pk="year"),
    "awards:nomination-withdraw": Row(method="post", pk="year"),
    "awards:nomination-add": Row(method="post", pk="year"),
    "awards:dossier-submit": Row(method="post", pk="year"),
    "awards:dossier-review": Row(pk="year"),
    "awards:dossier-return": Row(method="post", pk="year"),
    "awards:dossier-accept": Row(method="post", pk="year"),
    "awards:decision-record": Row(method="post", pk="year"),
    "awards:province-view": Row(),
    "awards:province-export": Row(),
    "awards:history-import": Row(),
    "awards:province-dashboard": Row(),
    "awards:year-dashboard": Row(pk="year"),
    "awards:unit-timeline": Row(pk="unit"),
}
MATRIX: dict[str, Row] = {name: replace(row, expected=EXPECTED.get(name, {})) for name, row in ROWS.items()}


def url_parameters() -> dict[str, set[str]]:
    """Every URL name of the project and of NAMESPACES, with the names of its parameters."""
    found: dict[str, set[str]] = {}

    def walk(patterns: list, namespace: str | None, params: set[str]) -> None:  # type: ignore[type-arg]
        for entry in patterns:
            here = params | set(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace, here)
            elif entry.name and (namespace is None or namespace in NAMESPACES):
                found[f"{namespace}:{entry.name}" if namespace else entry.name] = here

    walk(get_resolver().url_patterns, None, set())
    return found


URLS = url_parameters()


def test_every_url_name_is_in_the_matrix():
    missing = sorted(set(URLS) - set(MATRIX) - COVERED_ELSEWHERE)
    assert not missing, f"Add a row to MATRIX for each new URL name: {missing}"


def test_every_url_of_the_matrices_has_its_statuses_and_no_status_is_stale():
    rows = set(MATRIX) | COVERED_ELSEWHERE
    assert sorted(rows - set(EXPECTED)) == [], "Add these URL names to the status table (tests/permission_matrix.py)"
    assert sorted({name.partition("@")[0] for name in EXPECTED} - rows) == [], "Rows of the status table no matrix asks"


def test_every_row_of_the_matrix_is_a_url():
    stale = sorted(set(MATRIX) - set(URLS))
    assert not stale, f"MATRIX has rows for URL names that do not exist: {stale}"


FEED_TOKEN = "a-secret-calendar-token-0123456789"


@pytest.fixture
def objects(world, settings, tmp_path):  # noqa: ANN001, ANN201
    """The first bloc's objects that URL parameters point at.

    Its covenant has a signed scan; the year is at scoring with a locked table of one line; the
    representative's unit has a scorecard with evidence and cross-checks the head unit; a draft round
    has two candidates. Built directly, without services, so that no audit entry exists yet.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    bloc_year = world.bloc_year
    covenant = Covenant.objects.get(bloc_year=bloc_year)
    covenant.scan.save("giao-uoc.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    plain = (Membership.objects.filter(bloc_year=bloc_year, position=Membership.Position.MEMBER)
             .exclude(pk=world.member.pk).first())
    bloc_year.status = BlocYear.Status.SCORING
    bloc_year.save(update_fields=["status"])
    table = ScoringTable.objects.create(bloc_year=bloc_year, locked_at=timezone.now())
    item = ScoringItem.objects.create(table=table, code="1.1", text="Hoàn thành nhiệm vụ chính trị",
                                      max_points=10, evidence_required=True)
    scorecard = Scorecard.objects.create(bloc_year=bloc_year, unit=world.member.unit)
    line = ScoreLine.objects.create(scorecard=scorecard, item=item, self_value=9)
    evidence = Evidence(line=line, name="bao-cao.pdf", uploaded_by=world.users["representative"])
    evidence.file.save("bao-cao.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    evidence.save()
    CheckAssignment.objects.create(bloc_year=bloc_year, checker=world.member.unit, checked=world.head.unit)
    rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=1)
    round_ = Round.objects.create(bloc_year=bloc_year, rule_set=rule_set, kind=Round.Kind.HEAD, quota=1,
                                  max_choices=1, title="Bầu Trưởng khối năm 2023")
    for order, unit in enumerate((world.head.unit, world.member.unit)):
        Candidate.objects.create(round=round_, unit=unit, order=order)
    representative = world.users["representative"]
    CalendarFeed.objects.create(user=representative, token_hash=token_hash(FEED_TOKEN))
    return {"feed": SimpleNamespace(pk=FEED_TOKEN),
            "grant": RoleGrant.objects.get(user=representative), "person": representative,
            "role": SimpleNamespace(pk="secretariat"), "uid": SimpleNamespace(pk="MTIzNDU"),
            "token": SimpleNamespace(pk="ck0bhf-0123456789abcdef0123456789abcdef"),
            "bloc": bloc_year.bloc, "year": bloc_year, "unit": world.member.unit,
            "province": bloc_year.bloc.province,
            "membership": plain, "award": Award.objects.first(), "item": item, "evidence": evidence,
            "checker": world.member.unit, "checked": world.head.unit, "round": round_,
            "board_person": world.users["board"],
            "board_grant": RoleGrant.objects.get(user=world.users["board"], kind=RoleGrant.Kind.BOARD)}


def url_of(name: str, objects: dict) -> str:  # type: ignore[type-arg]
    if name not in URLS:
        pytest.fail(f"The URL name {name!r} does not resolve (yet); its row waits in MATRIX.")
    row = MATRIX[name]
    kwargs = {}
    for param in URLS[name]:
        kind = row.pk if param == "pk" else row.params.get(param)
        if kind is None:
            pytest.fail(f"MATRIX[{name!r}] does not say what its {param!r} parameter points at.")
        kwargs[param] = objects[kind].pk
    return reverse(name, kwargs=kwargs)


CELLS = [pytest.param(name, persona, id=f"{name}-{persona}") for name in MATRIX for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CELLS)
def test_permission_matrix(world, objects, name, persona):
    row = MATRIX[name]
    url = url_of(name, objects)
    response = getattr(client_for(world.users[persona]), row.method)(url)
    response.close()
    assert response.status_code == row.expected[persona], f"{row.method.upper()} {url} as {persona}"
    login = reverse("login")
    if response.status_code == 302 and row.login_required:
        if persona == "anonymous":
            assert response["Location"].startswith(f"{login}?next="), response["Location"]
        else:
            assert not response["Location"].startswith(login), f"{persona} was sent to the login page"


# set_language answers a GET with a redirect (and changes nothing); the others refuse it.
POST_ONLY = [name for name, row in MATRIX.items() if row.method == "post" and name != "set_language"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(world, objects, name):
    if name not in URLS:
        pytest.fail(f"The URL name {name!r} does not resolve (yet).")
    response = client_for(world.users["admin"]).get(url_of(name, objects))
    assert response.status_code == 405


def test_get_does_not_write(world, objects, as_persona):
    """The POST-only views change nothing on a GET, whoever asks."""
    from blocs.models import AuditEntry

    for name in POST_ONLY:
        if name in URLS:
            as_persona("secretariat").get(url_of(name, objects))
            as_persona("chair").get(url_of(name, objects))
    assert BlocYear.objects.get(pk=world.bloc_year.pk).status == world.bloc_year.status
    assert world.bloc_year.memberships.count() == 5
    assert ScoringItem.objects.filter(pk=objects["item"].pk).exists()
    assert Round.objects.get(pk=objects["round"].pk).status == Round.Status.DRAFT
    assert not AuditEntry.objects.exists()


# --- Cells that one persona per row cannot show -------------------------------------------------------------


def test_a_representative_cannot_open_another_member_units_registration(world, as_persona):
    other = world.head.unit
    client = as_persona("representative")
    response = client.get(reverse("blocs:registration-edit", args=[world.bloc_year.pk, other.pk]))
    assert response.status_code == 403
    response = client.post(reverse("blocs:registration-submit", args=[world.bloc_year.pk, other.pk]))
    assert response.status_code == 403


def test_a_unit_outside_the_year_has_no_registration_page(world, as_persona):
    stranger = world.other_year.memberships.first().unit
    url = reverse("blocs:registration-edit", args=[world.bloc_year.pk, stranger.pk])
    assert as_persona("secretariat").get(url).status_code == 404


def test_the_outsider_sees_its_own_bloc(world, as_persona):
    client = as_persona("outsider")
    assert client.get(reverse("blocs:bloc-detail", args=[world.other_year.bloc.pk])).status_code == 200
    assert client.get(reverse("blocs:year-detail", args=[world.other_year.pk])).status_code == 200
    listing = client.get(reverse("blocs:bloc-list")).content.decode()
    assert world.other_year.bloc.name in listing and world.bloc_year.bloc.name not in listing


def test_a_board_outside_the_province_is_an_outsider(world):
    from blocs.models import RoleGrant
    from tests.factories import grant, make_user

    board = make_user("ban_tdkt_nghe_an")
    grant(board, RoleGrant.Kind.BOARD, province=world.other_year.bloc.province)
    client = client_for(board)
    assert client.get(reverse("blocs:bloc-detail", args=[world.bloc_year.bloc.pk])).status_code == 404
    assert client.get(reverse("blocs:year-detail", args=[world.bloc_year.pk])).status_code == 404
    assert client.get(reverse("blocs:unit-detail", args=[world.member.unit.pk])).status_code == 404
    assert client.get(reverse("blocs:bloc-detail", args=[world.other_year.bloc.pk])).status_code == 200


def test_another_blocs_secretariat_is_an_outsider(world):
    from blocs.models import RoleGrant
    from tests.factories import grant, make_user

    secretary = make_user("thu_ky_khoi_so")
    grant(secretary, RoleGrant.Kind.SECRETARIAT, bloc=world.other_year.bloc)
    client = client_for(secretary)
    for name in ("blocs:year-detail", "blocs:year-edit", "blocs:covenant-edit", "blocs:registration-list"):
        assert client.get(reverse(name, args=[world.bloc_year.pk])).status_code == 404, name
    assert client.get(reverse("blocs:unit-edit", args=[world.member.unit.pk])).status_code == 404


def test_the_secretariat_sees_and_adds_the_unit_it_just_created(world, as_persona):
    """member_add.html offers "Create it" for a unit not in the list: the new unit must then be listed."""
    from blocs.models import Unit

    client = as_persona("secretariat")
    response = client.post(reverse("blocs:unit-create"), {
        "name": "Báo Quảng Trị", "short_code": "bqt", "kind": Unit.Kind.PARTY, "is_active": "on",
        "province": world.bloc_year.bloc.province_id})
    unit = Unit.objects.get(short_code="BQT")
    assert response.status_code == 302 and response["Location"] == unit.get_absolute_url()
    assert client.get(unit.get_absolute_url()).status_code == 200
    response = client.post(reverse("blocs:member-add", args=[world.bloc_year.pk]), {"units": [unit.pk]})
    assert response.status_code == 302
    assert world.bloc_year.memberships.filter(unit=unit).exists()


def test_units_in_no_bloc_stay_within_their_province(world, as_persona):
    from tests.factories import make_unit

    fresh_here = make_unit(province=world.bloc_year.bloc.province)
    fresh_there = make_unit(province=world.other_year.bloc.province)
    secretariat = as_persona("secretariat")
    assert secretariat.get(reverse("blocs:unit-detail", args=[fresh_here.pk])).status_code == 200
    assert secretariat.get(reverse("blocs:unit-detail", args=[fresh_there.pk])).status_code == 404
    # A unit of another bloc is still not the secretariat's to see, even in the same province.
    from blocs.models import RoleGrant
    from tests.factories import add_member, grant, make_bloc, make_bloc_year, make_user

    neighbour = make_bloc_year(bloc=make_bloc(province=world.bloc_year.bloc.province), members=1)
    taken = neighbour.memberships.get().unit
    assert secretariat.get(reverse("blocs:unit-detail", args=[taken.pk])).status_code == 404
    # Nor does a representative or a chair see units in no bloc.
    for persona in ("representative", "chair", "outsider"):
        assert as_persona(persona).get(reverse("blocs:unit-detail", args=[fresh_here.pk])).status_code == 404
    # Once the unit joins another bloc, the first bloc's secretariat no longer sees it.
    other_secretary = make_user("thu_ky_khoi_ben")
    grant(other_secretary, RoleGrant.Kind.SECRETARIAT, bloc=neighbour.bloc)
    add_member(neighbour, fresh_here)
    assert secretariat.get(reverse("blocs:unit-detail", args=[fresh_here.pk])).status_code == 404
    assert client_for(other_secretary).get(reverse("blocs:unit-detail", args=[fresh_here.pk])).status_code == 200


# --- The {% can %} tag: every app's predicates by one name --------------------------------------------------


def test_every_apps_predicates_are_known_to_the_can_tag():
    import inspect

    import awards.permissions
    import blocs.permissions
    import reports.permissions
    from blocs.templatetags import blocs_tags  # noqa: F401 - loading the tag discovers every app's predicates

    for module in (blocs.permissions, awards.permissions, reports.permissions):
        own = [(name, function) for name, function in inspect.getmembers(module, inspect.isfunction)
               if name.startswith("can_") and function.__module__ == module.__name__]
        assert own, module.__name__
        for name, function in own:
            assert blocs.permissions.predicate(name.removeprefix("can_")) is function, name


@pytest.mark.parametrize(("persona", "allowed"), [
    ("chair", ["adopt_report", "see_drafts", "open_close"]),
    ("secretariat", ["write_report", "see_drafts", "open_close"]),
    ("board", ["see_drafts"]), ("representative", []), ("outsider", [])])
def test_a_template_asks_another_apps_predicate(world, rf, persona, allowed):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = world.users[persona]
    asked = ["adopt_report", "write_report", "see_drafts", "open_close"]
    template = Template("{% load blocs_tags %}" + "".join(
        f'{{% can "{name}" y as allowed %}}{{% if allowed %}}{name} {{% endif %}}' for name in asked))
    shown = template.render(Context({"request": request, "y": world.bloc_year})).split()
    assert shown == [name for name in asked if name in allowed]


def test_every_kind_of_role_is_described_once():
    """roles_of reads grants by blocs.permissions.ROLES and the personas come from it: a kind left out would be
    granted and never read."""
    from blocs.permissions import ROLES

    kinds = [role.kind for role in ROLES]
    assert sorted(kinds) == sorted(RoleGrant.Kind.values)
    assert all(str(kind) in PERSONAS for kind in kinds)
