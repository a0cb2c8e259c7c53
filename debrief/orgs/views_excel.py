from django.http import HttpRequest, HttpResponse


def import_orgs(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def import_template(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def export_orgs(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
