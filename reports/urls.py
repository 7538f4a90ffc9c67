app_name = "reports"

urlpatterns: list = [
    # /years/<pk>/report/ (the year-end report), /years/<pk>/documents/ (the meeting's other documents)
]
