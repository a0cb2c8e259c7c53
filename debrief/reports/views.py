from django.http import Http404, HttpRequest, HttpResponse


def mine(request: HttpRequest) -> HttpResponse:
    raise Http404


def cycle_reports(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    raise Http404


def reporter_report(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    raise Http404
