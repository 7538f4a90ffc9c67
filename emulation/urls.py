from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from blocs.signin import SignInView
from emulation.idle import keepalive
from emulation.views import healthz

urlpatterns = [
    path("", include("blocs.urls")),
    path("", include("awards.urls")),
    path("", include("reports.urls")),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # One-time sign-in links (blocs/services/people.py): a new account's first password, or a reset someone started.
    path("accounts/set-password/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/set-password/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/keepalive/", keepalive, name="keepalive"),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler403 = "emulation.views.forbidden"
handler404 = "emulation.views.not_found"
handler500 = "emulation.views.server_error"
