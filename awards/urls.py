from django.urls import path

from awards.views import cards, counting, dashboards, dossier, province, room, setup, voting

app_name = "awards"

urlpatterns = [
    # /years/<pk>/ (the vote of one bloc year)
    path("years/<int:pk>/rules/", setup.rule_set, name="rule-set"),
    path("years/<int:pk>/meeting/", setup.meeting_edit, name="meeting-edit"),
    path("years/<int:pk>/rounds/", setup.round_list, name="round-list"),
    path("years/<int:pk>/cards/", cards.card_list, name="cards"),
    path("years/<int:pk>/room/", room.room, name="room"),
    path("years/<int:pk>/room/live/", room.room_live, name="room-live"),
    path("years/<int:pk>/rounds/generate/", setup.rounds_generate, name="rounds-generate"),
    path("years/<int:pk>/rounds/open-next-year/", setup.next_year_open, name="next-year-open"),
    # /rounds/<pk>/
    path("rounds/<int:pk>/", counting.round_detail, name="round-detail"),
    path("rounds/<int:pk>/settings/", setup.round_settings, name="round-settings"),
    path("rounds/<int:pk>/candidates/", setup.candidates_edit, name="candidates-edit"),
    path("rounds/<int:pk>/candidates/generate/", setup.candidates_generate, name="candidates-generate"),
    path("rounds/<int:pk>/open/", counting.round_open, name="round-open"),
    path("rounds/<int:pk>/close/", counting.round_close, name="round-close"),
    path("rounds/<int:pk>/close/discard-online/", counting.round_discard_sealed, name="round-discard-online"),
    path("rounds/<int:pk>/vote/", voting.vote, name="vote"),
    # A voting card's ballot, without signing in (issue 11)
    path("card/", cards.card_enter, name="card-enter"),
    path("card/ballot/", cards.card_ballot, name="card-ballot"),
    path("card/cast/", cards.card_cast, name="card-cast"),
    path("card/leave/", cards.card_leave, name="card-leave"),
    path("rounds/<int:pk>/vote/cast/", voting.vote_cast, name="vote-cast"),
    path("rounds/<int:pk>/paper/", counting.paper_ballot, name="paper-ballot"),
    path("rounds/<int:pk>/paper/reconcile/", counting.paper_reconcile, name="paper-reconcile"),
    path("rounds/<int:pk>/paper/counts/", counting.paper_count, name="paper-count"),
    path("rounds/<int:pk>/ballots/", counting.verification, name="verification"),
    path("rounds/<int:pk>/ballot-paper/", counting.ballot_paper, name="ballot-paper"),
    # Eligibility conditions, nominations and the dossier of one bloc year (issue 4)
    path("years/<int:pk>/rules/conditions/add/", dossier.condition_add, name="condition-add"),
    path("years/<int:pk>/rules/conditions/remove/", dossier.condition_remove, name="condition-remove"),
    path("years/<int:pk>/nominations/", dossier.nomination_list, name="nomination-list"),
    path("years/<int:pk>/nominations/withdraw/", dossier.nomination_withdraw, name="nomination-withdraw"),
    path("years/<int:pk>/nominations/add/", dossier.nomination_add, name="nomination-add"),
    path("years/<int:pk>/dossier/submit/", dossier.dossier_submit, name="dossier-submit"),
    path("years/<int:pk>/dossier/", dossier.dossier_review, name="dossier-review"),
    path("years/<int:pk>/dossier/return/", dossier.dossier_return, name="dossier-return"),
    path("years/<int:pk>/dossier/accept/", dossier.dossier_accept, name="dossier-accept"),
    path("years/<int:pk>/dossier/decision/", dossier.decision_record, name="decision-record"),
    # The province board (issue 4, items 5 and 6)
    path("province/", province.province_view, name="province-view"),
    path("province/proposals.xlsx", province.province_export, name="province-export"),
    path("history/import/", province.history_import, name="history-import"),
    # Dashboards (issue 14)
    path("province/dashboard/", dashboards.province_dashboard, name="province-dashboard"),
    path("years/<int:pk>/dashboard/", dashboards.year_dashboard, name="year-dashboard"),
    path("units/<int:pk>/timeline/", dashboards.unit_timeline, name="unit-timeline"),
]
