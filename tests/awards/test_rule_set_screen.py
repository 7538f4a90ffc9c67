"""The rule set can be seen and checked (issue 10, item 5): its quota table shows at every width, and a
round's "choose at most N" agrees with its quota."""

from __future__ import annotations

import re

from django.urls import reverse

from awards.forms import RoundSettingsForm
from awards.models import Round
from awards.services import rounds as round_services
from tests.conftest import client_for


def test_the_quota_table_is_not_squeezed_beside_the_legend(meeting):
    """Bootstrap floats a legend and clears only the element right after it: a hidden input there left the
    table beside the legend, zero pixels wide, at 1280 and 1920 px."""
    year = meeting.bloc_year
    html = client_for(meeting.secretariat).get(reverse("awards:rule-set", args=[year.pk])).content.decode()
    legend_end = html.index("</legend>", html.index("quota-table") - 2000)
    after = html[legend_end + len("</legend>"):].lstrip()
    assert not after.startswith("<input"), after[:120]
    assert 'class="table table-sm quota-table"' in html
    assert len(re.findall(r'name="[a-z]+-\d+-award"', html)) >= 3  # a row per award of the rule set


def _round_data(round_: Round, **changes: object) -> dict[str, object]:
    data = {"title": round_.title, "quota": round_.quota, "max_choices": round_.max_choices,
            "pass_numerator": 1, "pass_denominator": 2, "comparator": ">", "base": "members", "voters": "unit"}
    data.update(changes)
    return data


def test_a_round_whose_ballot_allows_fewer_or_more_choices_than_its_quota_is_refused(meeting):
    round_ = round_services.rounds_generate(actor=meeting.secretariat, bloc_year=meeting.bloc_year)[0]
    assert round_.quota == 1
    form = RoundSettingsForm(_round_data(round_, quota=2, max_choices=1), instance=round_)
    assert not form.is_valid()
    assert "đặt bằng 2, là chỉ tiêu (hiện là 1)" in " ".join(form.errors["max_choices"])
    assert not RoundSettingsForm(_round_data(round_, quota=2, max_choices=3), instance=round_).is_valid()
    assert RoundSettingsForm(_round_data(round_, quota=2, max_choices=2), instance=round_).is_valid()

    page = client_for(meeting.secretariat).post(reverse("awards:round-settings", args=[round_.pk]),
                                                _round_data(round_, quota=2, max_choices=1))
    assert page.status_code == 200
    round_.refresh_from_db()
    assert (round_.quota, round_.max_choices) == (1, 1)  # nothing saved
