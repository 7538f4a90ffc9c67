from django.urls import path

from blocs.views import checks, home, member_import, pledges, registry, scores, transfer, years

app_name = "blocs"

urlpatterns = [
    path("", home.home, name="home"),
    # /units/
    path("units/", registry.unit_list, name="unit-list"),
    path("units/new/", registry.unit_create, name="unit-create"),
    path("units/<int:pk>/", registry.unit_detail, name="unit-detail"),
    path("units/<int:pk>/edit/", registry.unit_edit, name="unit-edit"),
    # /blocs/
    path("blocs/", registry.bloc_list, name="bloc-list"),
    path("blocs/new/", registry.bloc_create, name="bloc-create"),
    path("blocs/<int:pk>/", registry.bloc_detail, name="bloc-detail"),
    path("blocs/<int:pk>/edit/", registry.bloc_edit, name="bloc-edit"),
    path("blocs/<int:bloc_pk>/years/new/", years.year_create, name="year-create"),
    # /years/<pk>/
    path("years/<int:pk>/", years.year_detail, name="year-detail"),
    path("years/<int:pk>/edit/", years.year_edit, name="year-edit"),
    path("years/<int:pk>/advance/", years.year_advance, name="year-advance"),
    path("years/<int:pk>/members/add/", years.member_add, name="member-add"),
    path("years/<int:pk>/members/<int:membership_pk>/remove/", years.member_remove, name="member-remove"),
    path("years/<int:pk>/members/import/", member_import.member_import, name="member-import"),
    path("years/<int:pk>/members/import/confirm/", member_import.member_import_confirm,
         name="member-import-confirm"),
    path("years/<int:pk>/members/import/template.xlsx", member_import.member_import_template,
         name="member-import-template"),
    path("years/<int:pk>/members.xlsx", member_import.member_export, name="member-export"),
    path("years/<int:pk>/leadership/", years.year_leadership, name="year-leadership"),
    path("years/<int:pk>/open-next/", years.year_open_next, name="year-open-next"),
    path("years/<int:pk>/audit/", years.year_audit, name="year-audit"),
    path("years/<int:pk>/archive.json", transfer.archive_export, name="archive-export"),
    path("years/<int:pk>/covenant/", pledges.covenant_detail, name="covenant-detail"),
    path("years/<int:pk>/covenant/edit/", pledges.covenant_edit, name="covenant-edit"),
    path("years/<int:pk>/covenant/scan/", pledges.covenant_scan, name="covenant-scan"),
    path("years/<int:pk>/registrations/", pledges.registration_list, name="registration-list"),
    path("years/<int:pk>/registrations/<int:unit_pk>/", pledges.registration_edit, name="registration-edit"),
    path("years/<int:pk>/registrations/<int:unit_pk>/submit/", pledges.registration_submit,
         name="registration-submit"),
    # /years/<pk>/scoring/ (domain.md §1.3)
    path("years/<int:pk>/scoring/", scores.scoring_table, name="scoring-table"),
    path("years/<int:pk>/scoring/new/", scores.scoring_item_add, name="scoring-item-add"),
    path("years/<int:pk>/scoring/import/", scores.scoring_import, name="scoring-import"),
    path("years/<int:pk>/scoring.xlsx", scores.scoring_xlsx_download, name="scoring-xlsx"),
    path("years/<int:pk>/scoring/<int:item_pk>/edit/", scores.scoring_item_edit, name="scoring-item-edit"),
    path("years/<int:pk>/scoring/<int:item_pk>/delete/", scores.scoring_item_delete, name="scoring-item-delete"),
    path("years/<int:pk>/scores/", checks.score_table, name="score-table"),
    path("years/<int:pk>/scores.xlsx", checks.score_table_xlsx, name="score-table-xlsx"),
    path("years/<int:pk>/scores/publish/", checks.scores_publish, name="scores-publish"),
    path("years/<int:pk>/scores/<int:unit_pk>/self/", scores.self_scores, name="self-scores"),
    path("years/<int:pk>/scores/<int:unit_pk>/self/submit/", scores.self_scores_submit, name="self-scores-submit"),
    path("years/<int:pk>/scores/<int:unit_pk>/evidence/", scores.evidence_add, name="evidence-add"),
    path("years/<int:pk>/evidence/<int:evidence_pk>/", scores.evidence_download, name="evidence-download"),
    path("years/<int:pk>/checks/", checks.check_list, name="check-list"),
    path("years/<int:pk>/scores/<int:unit_pk>/check/<int:checker_pk>/", checks.check_scores, name="check-scores"),
    path("years/<int:pk>/scores/<int:unit_pk>/verify/", checks.verify_scores, name="verify-scores"),
    # /awards/ (the catalogue is registry data: registrations pick from it)
    path("catalogue/", registry.award_list, name="award-list"),
    path("catalogue/new/", registry.award_create, name="award-create"),
    path("catalogue/<int:pk>/edit/", registry.award_edit, name="award-edit"),
    path("archive/import/", transfer.archive_import, name="archive-import"),
]
