"""Rule sets: the year's rules, copied from last year's or the defaults, revised as new versions; the
eligibility conditions of a category (domain.md §3, issue 4)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from awards import conditions, rules, selectors
from awards.models import (
    CategoryRule,
    Condition,
    RuleSet,
)
from awards.services.common import raise_issues
from blocs.audit import audit
from blocs.models import Award, BlocYear, User
from blocs.writable import ensure_writable


def default_categories() -> list[tuple[str, int]]:
    """The standard proposals of a bloc (domain.md §2): Government flag 1, provincial flag 1, certificate 3."""
    return [(settings.GOV_FLAG_AWARD, 1), ("co-thi-dua-ubnd-tinh", 1), ("bang-khen-chu-tich-ubnd-tinh", 3)]


@transaction.atomic
def rule_set_ensure(*, actor: User | None, bloc_year: BlocYear) -> RuleSet:
    """The year's current rules: copied from last year's, or the defaults of domain.md §3."""
    existing = selectors.current_rule_set(bloc_year)
    if existing is not None:
        return existing
    previous = (RuleSet.objects.filter(bloc_year__bloc=bloc_year.bloc_id, bloc_year__year__lt=bloc_year.year)
                .order_by("-bloc_year__year", "-version").first())
    if previous is not None:
        rule_set = rule_set_copy(previous, bloc_year=bloc_year, version=1, note=_("Copied from %(year)s")
                                 % {"year": previous.bloc_year.year})
    else:
        rule_set = RuleSet.objects.create(bloc_year=bloc_year, version=1, note=_("Defaults"))
        categories = default_categories()
        awards = {a.code: a for a in Award.objects.filter(code__in=[code for code, _q in categories])}
        for code, quota in categories:
            if code in awards:
                CategoryRule.objects.create(rule_set=rule_set, award=awards[code], quota_count=quota)
    audit(actor=actor, action="awards.rule_set.created", bloc_year=bloc_year, obj=rule_set,
          changes={"version": rule_set.version, "note": rule_set.note})
    return rule_set


def rule_set_copy(source: RuleSet, *, bloc_year: BlocYear, version: int, note: str) -> RuleSet:
    fields = {f.name: getattr(source, f.name) for f in RuleSet._meta.concrete_fields
              if f.name not in ("id", "bloc_year", "version", "created_at", "note")}
    copy = RuleSet.objects.create(bloc_year=bloc_year, version=version, note=note, **fields)
    for category in source.categories.prefetch_related("conditions"):
        new = CategoryRule.objects.create(rule_set=copy, award_id=category.award_id, quota_count=category.quota_count,
                                          quota_percent=category.quota_percent, rounding=category.rounding)
        Condition.objects.bulk_create(Condition(category=new, kind=c.kind, number=c.number, award_id=c.award_id,
                                                rating=c.rating) for c in category.conditions.all())
    return copy


@transaction.atomic
def rule_set_revise(*, actor: User | None, bloc_year: BlocYear, changes: dict[str, Any], note: str,
                    categories: Sequence[dict[str, Any]] | None = None) -> RuleSet:
    """A change of rules is a new version; rounds keep the version they were made under."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    current = rule_set_ensure(actor=actor, bloc_year=bloc_year)
    mark = rules.PassMark(Fraction(changes.get("pass_numerator", current.pass_numerator),
                                   changes.get("pass_denominator", current.pass_denominator) or 1),
                          changes.get("comparator", current.comparator), changes.get("base", current.base))
    members = bloc_year.memberships.count()
    issues = rules.pass_mark_issues(mark) + rules.deputies_issues(changes.get("deputies", current.deputies))
    for category in categories or []:
        percent = Fraction(category["quota_percent"]) if category.get("quota_percent") is not None else None
        issues += rules.quota_issues(count=category.get("quota_count"), percent=percent, members=members)
    raise_issues(issues)
    revised = rule_set_copy(current, bloc_year=bloc_year, version=current.version + 1, note=note)
    for key, value in changes.items():
        setattr(revised, key, value)
    revised.save()
    if categories is not None:
        kept = {c.award_id: c for c in revised.categories.all()}
        wanted = {category["award"].pk for category in categories}
        revised.categories.exclude(award__in=wanted).delete()
        for category in categories:
            fields = {k: v for k, v in category.items() if k != "award"}
            existing = kept.get(category["award"].pk)
            if existing is None:
                CategoryRule.objects.create(rule_set=revised, award=category["award"], **fields)
            else:  # keep the category's eligibility conditions
                CategoryRule.objects.filter(pk=existing.pk).update(**fields)
    audit(actor=actor, action="awards.rule_set.revised", bloc_year=bloc_year, obj=revised,
          changes={"version": revised.version, "note": note,
                   **{k: [str(getattr(current, k)), str(v)] for k, v in changes.items()
                      if getattr(current, k) != v}})
    return revised


@transaction.atomic
def condition_change(*, actor: User | None, bloc_year: BlocYear, award: Award, condition: rules.Condition | None,
                     remove_index: int | None = None, title: Award | None = None, rating: str = "") -> RuleSet:
    """Add a condition to a category (or remove its n-th one): a new version of the rule set."""
    bloc_year = BlocYear.objects.select_for_update().get(pk=bloc_year.pk)
    ensure_writable(bloc_year)
    current = rule_set_ensure(actor=actor, bloc_year=bloc_year)
    if not current.categories.filter(award=award).exists():
        raise ValidationError(_("%(award)s is not a category of this year's rule set.") % {"award": award.name})
    if condition is not None:
        raise_issues(conditions.condition_issues(condition))
    note = (_("Condition added to %(award)s") if condition else _("Condition removed from %(award)s")) % {
        "award": award.name}
    revised = rule_set_copy(current, bloc_year=bloc_year, version=current.version + 1, note=note)
    category = revised.categories.get(award=award)
    if condition is not None:
        Condition.objects.create(category=category, kind=condition.kind, number=condition.number, award=title,
                                 rating=rating)
    elif remove_index is not None:
        doomed = list(category.conditions.all())[remove_index:remove_index + 1]
        if not doomed:
            raise ValidationError(_("That condition does not exist."))
        doomed[0].delete()
    audit(actor=actor, action="awards.rule_set.revised", bloc_year=bloc_year, obj=revised,
          changes={"version": revised.version, "note": note,
                   "condition": condition.kind if condition else None})
    return revised
