from django.http import Http404, HttpRequest, HttpResponse


def schedule(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    raise Http404


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
