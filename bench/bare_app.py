"""The baseline for bench/ballots.py: a bare Django endpoint that does one insert,
served by the same server with the same settings and middleware as Debrief."""

from __future__ import annotations

import os
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "debrief.settings")

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

TABLE_SQL = "CREATE TABLE IF NOT EXISTS bench_bare (id uuid PRIMARY KEY, body text NOT NULL)"


@csrf_exempt
def insert_one(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (id, body) VALUES (%s, %s)",
            [str(uuid.uuid4()), request.body.decode()],
        )
    return JsonResponse({"ok": True}, status=201)


def ready(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bare/", insert_one), path("ready/", ready)]

settings.ROOT_URLCONF = __name__

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
