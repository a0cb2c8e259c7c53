from django.http import Http404, HttpRequest, HttpResponse


def cycle_list(request: HttpRequest) -> HttpResponse:
    raise Http404


def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
