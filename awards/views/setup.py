"""Setting up the vote: the rule set, the meeting, the rounds and their candidates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from awards import permissions as award_perms
from awards import selectors
from awards.forms import CandidateChangeForm, CategoryRuleForm, MeetingForm, RoundSettingsForm, RuleSetForm
from awards.models import Meeting, Round
from awards.services import leadership as leadership_services
from awards.services import rounds as round_services
from awards.services import rule_sets as rule_set_services
from awards.views.common import button_action, managed_round, managed_year
from blocs import permissions as perms
from blocs.models import Unit
from emulation.kernel.view_helpers import run_service

CategoryFormSet = formset_factory(CategoryRuleForm, extra=1, can_delete=True)


@login_required
def rule_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the current rules; saving creates a new version (issue 4, item 2)."""
    bloc_year = managed_year(request, pk)
    current = selectors.current_rule_set(bloc_year) or rule_set_services.rule_set_ensure(actor=request.user,
                                                                                bloc_year=bloc_year)
    categories = [{"award": c.award, "quota_count": c.quota_count, "quota_percent": c.quota_percent,
                   "rounding": c.rounding} for c in current.categories.select_related("award")]
    form = RuleSetForm(request.POST or None, instance=current, initial={"note": ""})
    formset = CategoryFormSet(request.POST or None, initial=categories, prefix="cat")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "note"}
        rows = [{k: row[k] for k in ("award", "quota_count", "quota_percent", "rounding")}
                for row in formset.cleaned_data if row and not row.get("DELETE")]

        def revise() -> None:
            if len({row["award"].pk for row in rows}) != len(rows):
                raise ValidationError(_("Each award appears once in the rule set."))
            rule_set_services.rule_set_revise(actor=request.user, bloc_year=bloc_year, changes=changes,
                                              note=form.cleaned_data["note"], categories=rows)

        if run_service(request, revise, form=form, success=_("Rules saved as a new version.")):
            return redirect("awards:rule-set", pk=bloc_year.pk)
    return render(request, "awards/rule_set.html", {
        "bloc_year": bloc_year, "rule_set": current, "form": form, "formset": formset,
        "versions": bloc_year.rule_sets.all()})


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    members = Unit.objects.filter(memberships__bloc_year=bloc_year).order_by("name")
    initial = {}
    if meeting is not None:
        attendance = list(meeting.attendance.select_related("unit"))
        initial = {"present": [a.unit_id for a in attendance if a.is_present],
                   "online": [a.unit_id for a in attendance if a.online],
                   "absence_reasons": "\n".join(f"{a.unit.short_code}: {a.absence_reason}" for a in attendance
                                                if not a.is_present and a.absence_reason),
                   "committee": "\n".join(c.name for c in meeting.committee.all())}
    else:
        initial = {"present": list(members), "place": bloc_year.place_name}
    form = MeetingForm(request.POST or None, instance=meeting, members=members, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in MeetingForm.Meta.fields}
        if run_service(request, lambda: round_services.meeting_save(
                actor=request.user, bloc_year=bloc_year, data=data, present=list(form.cleaned_data["present"]),
                absent_reasons=form.cleaned_data["absence_reasons"],
                committee=[(name, None) for name in form.cleaned_data["committee"]],
                online=list(form.cleaned_data["online"])),
                form=form, success=_("Meeting saved.")):
            return redirect("awards:round-list", pk=bloc_year.pk)
    return render(request, "blocs/form_page.html", {"form": form, "title": _("Year-end meeting"),
                                                    "back": bloc_year})


@login_required
def round_list(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = perms.get_bloc_year(request.user, pk)
    roles = perms.roles_of(request.user)
    rounds = list(bloc_year.rounds.select_related("award", "rule_set").order_by("order", "pk"))
    meeting = Meeting.objects.filter(bloc_year=bloc_year).first()
    present = meeting.attendance.filter(is_present=True).count() if meeting else 0
    members = set(bloc_year.memberships.values_list("unit_id", flat=True))
    leadership = selectors.elected_leadership(bloc_year)
    return render(request, "awards/round_list.html", {
        "bloc_year": bloc_year, "rounds": rounds, "meeting": meeting, "present": present,
        "leadership": leadership, "next_year_exists": bloc_year.bloc.years.filter(year=bloc_year.year + 1).exists(),
        "members": len(members), "manager": award_perms.can_run_meeting(roles, bloc_year),
        "chair": award_perms.can_open_close(roles, bloc_year),
        "voting_units": award_perms.voting_units(roles, members)})


@login_required
@require_POST
def rounds_generate(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    return button_action(
        request, lambda: round_services.rounds_generate(actor=request.user, bloc_year=bloc_year),
        success=lambda rounds: _("%(n)s rounds created from the rule set.") % {"n": len(rounds)},
        to="awards:round-list", pk=bloc_year.pk)


@login_required
def round_settings(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = managed_round(request, pk)
    form = RoundSettingsForm(request.POST or None, instance=round_)
    if round_.status != Round.Status.DRAFT:
        messages.error(request, _("Settings can only change while the round is a draft."))
        return redirect(round_)
    if request.method == "POST" and form.is_valid():
        if run_service(request, lambda: round_services.round_settings_update(
                actor=request.user, round_=Round.objects.get(pk=round_.pk), data=form.cleaned_data),
                form=form, success=_("Saved.")):
            return redirect(round_)
    return render(request, "blocs/form_page.html", {"form": form, "title": round_.title, "back": round_})


@login_required
def candidates_edit(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = managed_round(request, pk)
    members = Unit.objects.filter(memberships__bloc_year=round_.bloc_year).order_by("name")
    form = CandidateChangeForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():

        def adjust() -> None:
            if not round_.candidates.exists():
                round_services.candidates_fill(actor=request.user, round_=round_)
            round_services.candidate_adjust(actor=request.user, round_=round_, unit=form.cleaned_data["unit"],
                                            add=form.cleaned_data["action"] == "add",
                                            reason=form.cleaned_data["reason"])

        if run_service(request, adjust, form=form, success=_("Candidate list changed; the reason is recorded.")):
            return redirect(round_)
    return render(request, "blocs/form_page.html", {
        "form": form, "title": _("Change the candidate list"), "back": round_,
        "intro": _("Candidates are generated from the members, minus disqualified units and units already "
                   "proposed for a higher award. Any change needs a reason, which the audit trail keeps.")})


@login_required
@require_POST
def candidates_generate(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = managed_round(request, pk)
    return button_action(request, lambda: round_services.candidates_fill(actor=request.user, round_=round_),
                         success=_("Candidate list generated from the rules."), to=round_)


@login_required
@require_POST
def next_year_open(request: HttpRequest, pk: int) -> HttpResponse:
    bloc_year = managed_year(request, pk)
    outcome = run_service(
        request, lambda: leadership_services.next_year_open_from_election(actor=request.user, bloc_year=bloc_year),
        success=lambda next_year: _("Year %(year)s opened with the elected head and deputies.")
        % {"year": next_year.year}, joined=True)
    if not outcome:
        return redirect("awards:round-list", pk=bloc_year.pk)
    return redirect(outcome.value)
