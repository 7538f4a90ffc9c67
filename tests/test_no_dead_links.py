"""Nothing shown that cannot be opened (issue 10, item 7).

Every persona walks the site from the home page as a browser would, breadth first: every same-site link is
followed and must open (no 403, 404 or 500), and every POST form a page shows must be one the persona may
send: its action's URL name must not be refused to that persona by the status table
(tests/permission_matrix.py). The forms are not sent: the table already says, per URL name, who may.

The world is the permission matrix's (tests/blocs/test_permissions.py `objects`: a year at scoring with a
locked scoring table, a scorecard with evidence, a cross-check, a draft round with candidates), with the
report's versions in every state and a comment (tests/reports/test_report_views.py), nominations
(tests/awards/test_dossier_views.py `proposals`), registrations, and the year before at its meeting with a
round open to the vote.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import timezone

from awards.models import Candidate, Round
from awards.services import ballots as ballot_services
from awards.services import rounds as round_services
from awards.services import rule_sets as rule_set_services
from blocs.models import BlocYear, Registration
from tests.awards.test_dossier_views import proposals  # noqa: F401 - nominations, a fixture
from tests.blocs.test_permissions import objects  # noqa: F401 - the matrix's world, a fixture
from tests.conftest import PERSONAS, World, client_for
from tests.factories import add_member, make_bloc_year, round_closed, round_opened
from tests.permission_matrix import EXPECTED
from tests.security.support import post_forms

MAX_PAGES = 400  # per persona
SKIPPED_PATHS = ("/accounts/logout/", "/i18n/setlang/")
# Django's own admin has its own permissions (is_staff): its pages are opened when linked, not walked.
NOT_WALKED = ("/admin/",)
REFUSED = {403, 404, 500}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _same_site(href: str, page: str) -> str | None:
    """The link's path and query if it stays on the site and is worth requesting, else None."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + page, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED_PATHS):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _url_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


@dataclass
class Walk:
    persona: str
    pages: int = 0
    dead_links: list[tuple[str, str, str, int]] = field(default_factory=list)  # persona, page, link, status
    refused_forms: list[tuple[str, str, str, str, int]] = field(default_factory=list)  # ..., action, name, status
    seconds: float = 0.0
    names: set[str] = field(default_factory=set)  # the URL names opened, to see how far the walk went


def walk(persona: str, user) -> Walk:  # noqa: ANN001
    client = client_for(user)
    client.raise_request_exception = False  # a 500 is one more dead link, listed with the others
    result = Walk(persona)
    start = time.perf_counter()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen = {"/"}
    checked_forms: set[str] = set()
    # The table's columns speak of the first bloc; the outsider only ever reaches its own bloc, where it is a
    # representative (any page of the first bloc answers it 404, a dead link of its own).
    column = "representative" if persona == "outsider" else persona
    while queue and result.pages < MAX_PAGES:
        url, referrer = queue.popleft()
        response = client.get(url)
        result.pages += 1
        result.names.add(_url_name(url) or url)
        status = response.status_code
        if status in REFUSED:
            result.dead_links.append((persona, referrer, url, status))
            continue
        if status in (301, 302, 303, 307, 308):
            target = _same_site(response["Location"], url)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, referrer))
            continue
        content_type = response.get("Content-Type", "")
        if status != 200:
            result.dead_links.append((persona, referrer, url, status))
            continue
        if not content_type.startswith("text/html") or url.startswith(NOT_WALKED):
            # Read a file to its end: the test client then closes it with the database connection left alone
            # (closed by hand, it fired request_finished, which closed the test's PostgreSQL connection).
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert body, f"{url} answered 200 with nothing"
            continue
        html = response.content.decode()
        parser = _Links()
        parser.feed(html)
        for href in parser.hrefs:
            target = _same_site(href, url)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
        for form in post_forms(html, url):
            path = urlsplit(form.action).path
            key = f"{url} {path}"
            if key in checked_forms or path.startswith(SKIPPED_PATHS):
                continue
            checked_forms.add(key)
            name = _url_name(path)
            if name is None:
                result.refused_forms.append((persona, url, form.action, "(no such URL)", 404))
                continue
            row = EXPECTED.get(f"{name}@post") or EXPECTED.get(name)
            if row is not None and row[column] in REFUSED:
                result.refused_forms.append((persona, url, form.action, name, row[column]))
    result.seconds = time.perf_counter() - start
    return result


@pytest.fixture
def rich_world(world: World, objects, proposals):  # noqa: ANN001, ANN201, F811
    from tests.reports.test_report_views import _objects as report_versions

    report_versions(world)
    Registration.objects.create(bloc_year=world.bloc_year, unit=world.member.unit, targets="Hoàn thành.")
    Registration.objects.create(bloc_year=world.bloc_year, unit=world.head.unit, targets="Hoàn thành.",
                                submitted_at=timezone.now())
    # The year before, at its meeting, with a round open to the vote.
    before = make_bloc_year(bloc=world.bloc_year.bloc, year=world.bloc_year.year - 1, status=BlocYear.Status.MEETING)
    for membership in world.bloc_year.memberships.select_related("unit"):
        add_member(before, membership.unit, membership.position)
    units = [m.unit for m in before.memberships.select_related("unit")]
    secretariat = world.users["secretariat"]
    round_services.meeting_save(actor=secretariat, bloc_year=before,
                                 data={"held_on": "2021-12-01", "place": "Hội trường"}, present=units,
                                 committee=[("Nguyễn Văn A", None), ("Trần Thị B", None)])
    rule_set = rule_set_services.rule_set_ensure(actor=secretariat, bloc_year=before)
    head = Round.objects.create(bloc_year=before, rule_set=rule_set, kind=Round.Kind.HEAD, quota=1,
                                max_choices=1, title="Bầu Trưởng khối năm 2022")
    deputies = Round.objects.create(bloc_year=before, rule_set=rule_set, kind=Round.Kind.DEPUTY, quota=1,
                                    max_choices=1, title="Bầu Phó Trưởng khối năm 2022")
    for round_ in (head, deputies):
        for order, unit in enumerate(units[:2]):
            Candidate.objects.create(round=round_, unit=unit, order=order)
    # The head's round counted on paper and closed (its results, the receipt check), the deputies' open.
    head = round_opened(actor=secretariat, round_=head)
    ballot_services.paper_count_set(actor=secretariat, round_=head, returned=len(units), valid=len(units),
                                    votes={units[0].pk: len(units) - 1, units[1].pk: 1})
    round_closed(actor=secretariat, round_=head, ballots_issued=len(units))
    round_opened(actor=secretariat, round_=deputies)
    return world


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_and_form_shown_may_be_used(rich_world, persona):
    result = walk(persona, rich_world.users[persona])
    print(f"{persona}: {result.pages} pages, {len(result.names)} URL names, in {result.seconds:.1f} s")  # noqa: T201
    print("  " + " ".join(sorted(result.names)))  # noqa: T201 - how far the walk went, with -s
    problems = [f"link {page} -> {link}: {status}" for _p, page, link, status in result.dead_links]
    problems += [f"form on {page} -> POST {action} ({name}): {status}"
                 for _p, page, action, name, status in result.refused_forms]
    assert not problems, f"{persona} is shown what it cannot use:\n" + "\n".join(problems)
    assert result.pages > 1 or persona == "anonymous"
