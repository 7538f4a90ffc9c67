"""Each bloc year's dates and who still has something to do for them (issue 14, item 5), read by the dates page,
the calendar feed, the home page's notices and `manage.py send_reminders`. Reads only: nothing here writes.

The year's own dates are fields of `BlocYear`; the meeting's date belongs to awards, which registers it as a step
(`register_step`, called from awards/apps.py): blocs never imports awards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from blocs import rules
from blocs.models import (
    BlocYear,
    CheckAssignment,
    CheckValue,
    Covenant,
    Membership,
    Registration,
    RoleGrant,
    Scorecard,
    Unit,
    User,
)
from blocs.permissions import visible_blocs

# Years past the meeting have nothing left to remind anyone of.
FINISHED = (BlocYear.Status.SUBMITTED, BlocYear.Status.CLOSED)


@dataclass(frozen=True)
class Step:
    """A dated step of the year. `for_units`: each member unit's representatives (principal and deputies) do
    it; otherwise the bloc's secretariat does. `url_name` takes the year's pk (and the unit's, for units)."""

    code: str
    label: Promise
    action: Promise  # what the person has to do, in the reminder's body
    for_units: bool
    url_name: str
    field: str | None = None  # the BlocYear date field, or None for a registered step
    unit_in_url: bool = False


STEPS: list[Step] = [
    Step("registration", _("Registration due"), _("Submit the unit's emulation registration (targets and titles)."),
         True, "blocs:registration-edit", "registration_deadline", unit_in_url=True),
    Step("covenant", _("Covenant signing"), _("Have the covenant signed and record the date it was signed."),
         False, "blocs:covenant-edit", "covenant_signing_on"),
    Step("self_scores", _("Self-scores due"), _("Enter and submit the unit's self-scores."),
         True, "blocs:self-scores", "self_scores_due", unit_in_url=True),
    Step("cross_checks", _("Cross-checks due"), _("Cross-check the scores of the units assigned to yours."),
         True, "blocs:check-list", "cross_checks_due"),
]
DateSource = Callable[[Sequence[int]], dict[int, dt.date]]
SOURCES: dict[str, DateSource] = {}


def register_step(step: Step, source: DateSource) -> None:
    """Another app's dated step (awards: the meeting), its dates read by `source` from bloc year pks."""
    if step.code not in SOURCES:
        STEPS.append(step)
    SOURCES[step.code] = source


@dataclass(frozen=True)
class YearDate:
    bloc_year: BlocYear
    step: Step
    due: dt.date | None


@dataclass(frozen=True)
class Reminder:
    """Something `user` still has to do for a dated step: `kind` is "before" or "day" (rules.reminder_kind)."""

    user: User
    date: YearDate
    kind: str
    unit: Unit | None
    today: dt.date

    @property
    def path(self) -> str:
        year, step = self.date.bloc_year, self.date.step
        return reverse(step.url_name, args=[year.pk, self.unit.pk] if step.unit_in_url and self.unit else [year.pk])

    @property
    def days_left(self) -> int:
        return (self.date.due - self.today).days if self.date.due else 0


def year_dates(bloc_years: Iterable[BlocYear]) -> list[YearDate]:
    """Every step of each year, dated or not, in the order of the steps."""
    years = list(bloc_years)
    pks = [year.pk for year in years]
    registered = {code: source(pks) for code, source in SOURCES.items()}
    return [YearDate(year, step, getattr(year, step.field) if step.field else registered[step.code].get(year.pk))
            for year in years for step in STEPS]


def visible_years(user: User) -> QuerySet[BlocYear]:
    """The years whose dates the person may see: every year of the blocs they see."""
    return BlocYear.objects.filter(bloc__in=visible_blocs(user)).select_related("bloc").order_by("-year", "bloc__name")


def _units_to_do(date: YearDate) -> QuerySet[Unit]:
    """Member units that have not done the step yet (a unit already registered gets no registration reminder)."""
    year = date.bloc_year
    units = Unit.objects.filter(pk__in=Membership.objects.filter(bloc_year=year).values("unit"))
    if date.step.code == "registration":
        return units.exclude(pk__in=Registration.objects.filter(bloc_year=year, submitted_at__isnull=False)
                             .values("unit"))
    if date.step.code == "self_scores":
        return units.exclude(pk__in=Scorecard.objects.filter(bloc_year=year, submitted_at__isnull=False)
                             .values("unit"))
    if date.step.code == "cross_checks":
        unchecked = CheckAssignment.objects.filter(bloc_year=year).exclude(Exists(CheckValue.objects.filter(
            checker=OuterRef("checker"), line__scorecard__unit=OuterRef("checked"), line__scorecard__bloc_year=year)))
        return units.filter(pk__in=unchecked.values("checker"))
    return units.none()


def _secretariat_to_do(date: YearDate) -> bool:
    if date.step.code == "covenant":
        return not Covenant.objects.filter(bloc_year=date.bloc_year, signed_on__isnull=False).exists()
    return True  # the meeting: until the year leaves its meeting step (FINISHED years are never asked)


def people_to_do(date: YearDate, users: QuerySet[User]) -> list[tuple[User, Unit | None]]:
    """Who among `users` still has something to do for the step, with the unit they act for."""
    if not date.step.for_units:
        if not _secretariat_to_do(date):
            return []
        grants = RoleGrant.objects.filter(kind=RoleGrant.Kind.SECRETARIAT, bloc=date.bloc_year.bloc_id)
        return [(user, None) for user in users.filter(pk__in=grants.values("user")).order_by("username")]
    grants = (RoleGrant.objects.filter(kind=RoleGrant.Kind.REPRESENTATIVE, unit__in=_units_to_do(date), user__in=users)
              .select_related("user", "unit").order_by("unit__name", "user__username"))  # principal and deputies
    return [(grant.user, grant.unit) for grant in grants]


def reminders_due(*, today: dt.date, days_before: int, users: QuerySet[User] | None = None,
                  years: QuerySet[BlocYear] | None = None) -> list[Reminder]:
    """The reminders due `today` (N days before a step and on the day) to the people who still have it to do."""
    users = users if users is not None else User.objects.filter(is_active=True)
    years = (years if years is not None else BlocYear.objects.all()).exclude(status__in=FINISHED)
    found = []
    for date in year_dates(years.select_related("bloc")):
        kind = date.due and rules.reminder_kind(due=date.due, today=today, days_before=days_before)
        if kind:
            found += [Reminder(user=user, date=date, kind=kind, unit=unit, today=today)
                      for user, unit in people_to_do(date, users)]
    return found


def notices_for(user: User, *, today: dt.date, days_before: int) -> list[Reminder]:
    """The home page's notices: the same events as the reminders, for this person, whether or not they receive
    reminders by email."""
    return reminders_due(today=today, days_before=days_before, users=User.objects.filter(pk=user.pk),
                         years=visible_years(user))
