"""The comprehensive assessment pages (综合评定): overview and workflow, scheme, indicator
catalogue, score entry, results, documents and the year-over-year history.

Access: the pages that change anything are for the host committee's administrators
and staff (`get_cycle_for_user(..., manage=True)`; anyone else gets 404). Whoever sees
the whole cycle sees the results and the documents. A reporter's own side (a township
secretary) sees only their own published result and feedback letter. Changes go
through debrief.assessments.services; a broken rule comes back as a DomainError and is
shown as a message.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from debrief.accounts.access import get_org_for_user, orgs_for_user
from debrief.assessments import catalogue as catalogue_excel
from debrief.assessments import documents
from debrief.assessments.forms import (
    ApproveForm,
    CatalogueImportForm,
    GradeChangeForm,
    IndicatorForm,
    SchemeForm,
    max_upload_bytes,
)
from debrief.assessments.grid import (
    GridError,
    build_grid,
    plain,
    reporters_for_grid,
    rows_per_page,
    save_grid,
)
from debrief.assessments.models import (
    GRADE_ORDER,
    AdjustmentKind,
    DailyScore,
    DebriefScore,
    Grade,
    Indicator,
    IndicatorCategory,
    Result,
    ResultSet,
    ResultStatus,
    Scheme,
    ScoreAdjustment,
    VetoItem,
)
from debrief.assessments.reasons import describe_all
from debrief.assessments.services import (
    adjustment_delete,
    catalogue_copy,
    indicator_delete,
    indicator_save,
    previous_cycle,
    result_adjust,
    result_correct,
    results_approve,
    results_compute,
    results_publish,
    results_reopen,
    scheme_set,
)
from debrief.ballots.models import Evaluation
from debrief.cycles.access import (
    can_manage_cycle,
    can_see_whole_cycle,
    get_cycle_for_user,
    get_reporter_for_user,
    reporters_for_user,
)
from debrief.cycles.models import Cycle, CycleStatus, Reporter
from debrief.lib.actions import perform
from debrief.lib.docx import docx_response
from debrief.lib.errors import DomainError
from debrief.lib.http import parse_pk
from debrief.lib.xlsx import MemoryUploadHandler, content_disposition, xlsx_response
from debrief.orgs.models import Field, Organization
from debrief.people.models import Person, Post

FORM_METHODS = ["GET", "HEAD", "POST"]
READ_METHODS = ["GET", "HEAD"]
ZIP_CONTENT_TYPE = "application/zip"
MAX_IMPORT_ERRORS_SHOWN = 500
FIELD_LABELS = dict(Field.choices)
GRADE_LABELS = dict(Grade.choices)


# Helpers -------------------------------------------------------------------------------


def _whole_cycle(request: HttpRequest, cycle_pk: int) -> Cycle:
    """The cycle if the user sees all of it (the host's side); 404 otherwise."""
    cycle = get_cycle_for_user(request, cycle_pk)
    if not can_see_whole_cycle(request.user, cycle):
        raise Http404
    return cycle


def _result_set(cycle: Cycle) -> ResultSet | None:
    return ResultSet.objects.filter(cycle=cycle).first()


def _approved_result_set(cycle: Cycle) -> ResultSet:
    """The results once approved (or published); 404 before."""
    result_set = _result_set(cycle)
    if result_set is None or result_set.status == ResultStatus.DRAFT:
        raise Http404
    return result_set


def _editable(result_set: ResultSet | None) -> bool:
    return result_set is None or result_set.status == ResultStatus.DRAFT


def _scheme_or_default(cycle: Cycle) -> Scheme:
    """The saved scheme, or the defaults (unsaved) so that a GET changes nothing."""
    return Scheme.objects.filter(cycle=cycle).first() or Scheme(cycle=cycle)


def _veto_names(scheme: Scheme) -> list[str]:
    if scheme.pk is None:
        return []
    return list(scheme.veto_items.order_by("pk").values_list("name", flat=True))


def _percent(value: Decimal | None) -> str:
    return "" if value is None else plain((value * 100).quantize(Decimal("0.01")))


def _fields_text(fields: list[str]) -> str:
    if not fields:
        return _("All fields")
    return "、".join(str(FIELD_LABELS.get(value, value)) for value in fields)


def _grade_counts(results: list[Result]) -> list[tuple[str, Any, int]]:
    counts = Counter(result.grade for result in results)
    return [(grade.value, grade.label, counts.get(grade.value, 0)) for grade in GRADE_ORDER]


def _result_rows(results: list[Result]) -> list[dict[str, Any]]:
    return [
        {
            "result": result,
            "reasons": describe_all(result.reasons),
            "adjusted": result.grade != result.computed_grade,
            "corrections": [
                {
                    "at": c.at,
                    "old_label": GRADE_LABELS.get(c.old_value, c.old_value),
                    "new_label": GRADE_LABELS.get(c.new_value, c.new_value),
                    "reason": c.reason,
                }
                for c in sorted(result.corrections.all(), key=lambda c: (c.at, c.pk))
            ],
        }
        for result in results
    ]


def _results_of(result_set: ResultSet) -> list[Result]:
    return list(
        result_set.results.select_related("reporter__organization", "reporter__person")
        .prefetch_related("corrections")
        .order_by("rank", "reporter__organization__path", "pk")
    )


# Overview and workflow -----------------------------------------------------------------


@login_required
@require_http_methods(READ_METHODS)
def cycle_overview(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk)
    if not can_see_whole_cycle(request.user, cycle):
        return _own_results(request, cycle)
    result_set = _result_set(cycle)
    scheme = _scheme_or_default(cycle)
    reporters = cycle.reporters.count()
    results = _results_of(result_set) if result_set is not None else []
    approve_form = ApproveForm(initial={"approved_by": f"{cycle.host.name}常委会"})
    return render(
        request,
        "assessments/cycle.html",
        {
            "cycle": cycle,
            "manage": can_manage_cycle(request.user, cycle),
            "scheme": scheme,
            "poor_share_cap": _percent(scheme.poor_share_cap),
            "good_quota": _percent(scheme.good_quota),
            "veto_names": _veto_names(scheme),
            "reporters": reporters,
            "with_daily": Reporter.objects.filter(cycle=cycle)
            .filter(Exists(DailyScore.objects.filter(reporter=OuterRef("pk"))))
            .count(),
            "with_debrief": DebriefScore.objects.filter(reporter__cycle=cycle).count(),
            "indicators": Indicator.objects.filter(category__cycle=cycle).count(),
            "evaluations": list(
                Evaluation.objects.filter(meeting__cycle=cycle)
                .select_related("meeting")
                .order_by("meeting__session")
            ),
            "result_set": result_set,
            "counts": _grade_counts(results),
            "at_assessment": cycle.status == CycleStatus.ASSESSMENT,
            "approve_form": approve_form,
        },
    )


def _own_results(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    """The reporter's own side: their published result(s) and letter, nothing else."""
    own = list(
        reporters_for_user(request.user, cycle)
        .select_related("organization", "person")
        .order_by("organization__path")
    )
    result_set = _result_set(cycle)
    published = result_set is not None and result_set.status == ResultStatus.PUBLISHED
    results: dict[int, Result] = {}
    count = 0
    if published and result_set is not None:
        count = result_set.results.count()
        results = {r.reporter_id: r for r in result_set.results.filter(reporter__in=own)}
    rows = [
        {
            "reporter": reporter,
            "result": results.get(reporter.pk),
            "reasons": describe_all(results[reporter.pk].reasons) if reporter.pk in results else [],
        }
        for reporter in own
    ]
    return render(
        request,
        "assessments/mine.html",
        {"cycle": cycle, "rows": rows, "published": published, "count": count},
    )


def _overview(cycle: Cycle) -> HttpResponse:
    return redirect("assessments:cycle", cycle.pk)


@login_required
@require_POST
def compute(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    try:
        result_set = results_compute(cycle=cycle, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return _overview(cycle)
    messages.success(
        request,
        _("The results are computed for %(n)d reporters.") % {"n": result_set.results.count()},
    )
    return redirect("assessments:results", cycle.pk)


@login_required
@require_POST
def approve(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    result_set = _result_set(cycle)
    form = ApproveForm(request.POST)
    if result_set is None:
        messages.error(request, _("Compute the results first."))
    elif not form.is_valid():
        messages.error(request, _("Give the date of the approval."))
    else:
        perform(
            request,
            lambda: results_approve(
                result_set=result_set,
                approved_on=form.cleaned_data["approved_on"],
                approval_document=form.cleaned_data["approval_document"],
                # Document text: the circular and the letters name the approving body.
                approved_by=form.cleaned_data["approved_by"].strip() or f"{cycle.host.name}常委会",
                rectify_by=form.cleaned_data["rectify_by"],
                actor=request.user,
            ),
            _("The results are recorded as approved."),
        )
    return _overview(cycle)


@login_required
@require_POST
def reopen(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    result_set = _result_set(cycle)
    if result_set is None:
        raise Http404
    perform(
        request,
        lambda: results_reopen(result_set=result_set, actor=request.user),
        _("The results are back to draft."),
    )
    return _overview(cycle)


@login_required
@require_POST
def publish(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    result_set = _result_set(cycle)
    if result_set is None:
        raise Http404
    perform(
        request,
        lambda: results_publish(result_set=result_set, actor=request.user),
        _("The results are published."),
    )
    return _overview(cycle)


# Scheme --------------------------------------------------------------------------------


@login_required
@require_http_methods(FORM_METHODS)
def scheme(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    current = _scheme_or_default(cycle)
    result_set = _result_set(cycle)
    if request.method == "POST":
        form = SchemeForm(request.POST)
        if form.is_valid():
            try:
                scheme_set(
                    cycle=cycle,
                    values=form.values(),
                    veto_items=form.veto_lines(),
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The scheme is saved."))
                return redirect("assessments:scheme", cycle.pk)
        else:
            messages.error(request, _("Correct the marked fields."))
    else:
        form = SchemeForm(initial=SchemeForm.initial_for(current))
    return render(
        request,
        "assessments/scheme.html",
        {"cycle": cycle, "form": form, "editable": _editable(result_set)},
    )


# Catalogue -----------------------------------------------------------------------------


def _catalogue_context(
    request: HttpRequest,
    cycle: Cycle,
    *,
    form: IndicatorForm | None = None,
    editing: Indicator | None = None,
    import_form: CatalogueImportForm | None = None,
    import_result: catalogue_excel.ImportResult | None = None,
    filename: str = "",
) -> dict[str, Any]:
    categories = list(
        IndicatorCategory.objects.filter(cycle=cycle).prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.annotate(score_count=Count("scores")).order_by(
                    "order", "pk"
                ),
            )
        )
    )
    rows: list[tuple[IndicatorCategory, list[dict[str, Any]]]] = [
        (
            category,
            [
                {
                    "indicator": i,
                    "fields": _fields_text(i.fields),
                    "scores": getattr(i, "score_count", 0),
                }
                for i in category.indicators.all()
            ],
        )
        for category in categories
    ]
    total = sum((item.max_points for c in categories for item in c.indicators.all()), Decimal(0))
    source = previous_cycle(cycle)
    errors = import_result.errors[:MAX_IMPORT_ERRORS_SHOWN] if import_result else []
    return {
        "cycle": cycle,
        "rows": rows,
        "item_count": sum(len(items) for _c, items in rows),
        "total_points": total,
        "category_names": [c.name for c in categories],
        "form": form or IndicatorForm(),
        "editing": editing,
        "editable": _editable(_result_set(cycle)),
        "previous": source,
        "import_form": import_form or CatalogueImportForm(),
        "import_result": import_result,
        "import_errors": errors,
        "import_errors_hidden": len(import_result.errors) - len(errors) if import_result else 0,
        "filename": filename,
        "max_upload_mb": max_upload_bytes() // (1024 * 1024),
    }


def _indicator_of(cycle: Cycle, pk: Any) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related("category"), pk=pk, category__cycle=cycle
    )


@login_required
@require_http_methods(FORM_METHODS)
def catalogue(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    """The catalogue with one form that adds an item, or edits one (?edit=<pk>)."""
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    editing: Indicator | None = None
    wanted = request.POST.get("indicator") if request.method == "POST" else request.GET.get("edit")
    if wanted:
        wanted_pk = parse_pk(wanted)
        if wanted_pk is None:
            raise Http404
        editing = _indicator_of(cycle, wanted_pk)
    if request.method == "POST":
        form = IndicatorForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = indicator_save(
                    cycle=cycle,
                    category=data["category"],
                    code=data["code"],
                    name=data["name"],
                    max_points=data["max_points"],
                    criteria=data["criteria"],
                    fields=data["applies_to"],
                    indicator=editing,
                    actor=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("%(code)s %(name)s is saved.") % {"code": saved.code, "name": saved.name},
                )
                return redirect(reverse("assessments:catalogue", args=[cycle.pk]) + "#items")
    elif editing is not None:
        form = IndicatorForm(
            initial={
                "category": editing.category.name,
                "code": editing.code,
                "name": editing.name,
                "max_points": plain(editing.max_points),
                "criteria": editing.criteria,
                "applies_to": editing.fields,
            }
        )
    else:
        form = IndicatorForm()
    return render(
        request,
        "assessments/catalogue.html",
        _catalogue_context(request, cycle, form=form, editing=editing),
    )


@login_required
@require_POST
def indicator_remove(request: HttpRequest, cycle_pk: int, pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    indicator = _indicator_of(cycle, pk)
    try:
        removed = indicator_delete(indicator=indicator, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(code)s %(name)s is removed, with %(n)d scores.")
            % {"code": indicator.code, "name": indicator.name, "n": removed},
        )
    return redirect(reverse("assessments:catalogue", args=[cycle.pk]) + "#items")


@login_required
@require_POST
def catalogue_copy_view(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    try:
        copied = catalogue_copy(cycle=cycle, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(n)d items are copied.") % {"n": copied})
    return redirect("assessments:catalogue", cycle.pk)


@csrf_exempt  # CSRF is checked by _catalogue_import, after the upload handler is installed
@login_required
@require_POST
def catalogue_import(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    # Uploads stay in memory, never on disk, and stop counting at the size limit.
    request.upload_handlers = [MemoryUploadHandler(request, max_bytes=max_upload_bytes())]
    return _catalogue_import(request, cycle)


@csrf_protect
def _catalogue_import(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    import_form = CatalogueImportForm(request.POST, request.FILES)
    result = None
    filename = ""
    if import_form.is_valid():
        upload = import_form.cleaned_data["file"]
        filename = upload.name or ""
        result = catalogue_excel.import_catalogue(
            upload, cycle=cycle, user=request.user, max_bytes=max_upload_bytes()
        )
    return render(
        request,
        "assessments/catalogue.html",
        _catalogue_context(
            request, cycle, import_form=import_form, import_result=result, filename=filename
        ),
    )


@login_required
@require_http_methods(READ_METHODS)
def catalogue_template(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    get_cycle_for_user(request, cycle_pk, manage=True)
    return xlsx_response(catalogue_excel.template_workbook(), "考核指标导入模板.xlsx")


# Score entry ---------------------------------------------------------------------------


def _grid_params(request: HttpRequest) -> tuple[str, bool, str]:
    source = request.POST if request.method == "POST" else request.GET
    category = source.get("category", "")
    return (
        (category if parse_pk(category) is not None else ""),
        source.get("self") == "1",
        source.get("page", "1"),
    )


def _grid_url(cycle: Cycle, category: str, with_self: bool, page: Any) -> str:
    query = {"category": category, "self": "1" if with_self else "", "page": page}
    return (
        reverse("assessments:scores", args=[cycle.pk])
        + "?"
        + urlencode({k: v for k, v in query.items() if v})
    )


@login_required
@require_http_methods(FORM_METHODS)
def scores(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    category, with_self, page_number = _grid_params(request)
    categories = list(IndicatorCategory.objects.filter(cycle=cycle))
    indicators = list(
        Indicator.objects.filter(category__cycle=cycle)
        .select_related("category")
        .order_by("category__order", "category__pk", "order", "pk")
    )
    if category:
        indicators = [i for i in indicators if str(i.category_id) == category]
    veto_items = list(
        VetoItem.objects.filter(scheme__cycle=cycle).select_related("scheme").order_by("pk")
    )
    per_page = rows_per_page(indicators, len(veto_items), with_self)
    page = Paginator(reporters_for_grid(cycle), per_page).get_page(page_number)
    reporters = list(page.object_list)
    result_set = _result_set(cycle)
    error: GridError | None = None
    data = None
    if request.method == "POST":
        try:
            saved = save_grid(
                cycle,
                reporters,
                indicators,
                veto_items,
                request.POST,
                with_self=with_self,
                actor=request.user,
            )
        except GridError as refused:
            error = refused
            data = request.POST
            messages.error(request, refused.message)
        except DomainError as refused:
            data = request.POST
            messages.error(request, refused.message)
        else:
            if saved.changed:
                messages.success(request, _("%(n)d changes are saved.") % {"n": saved.changed})
            else:
                messages.info(request, _("Nothing has changed."))
            return redirect(_grid_url(cycle, category, with_self, page.number))
    rows = build_grid(cycle, reporters, indicators, veto_items, data=data, error=error)
    return render(
        request,
        "assessments/scores.html",
        {
            "cycle": cycle,
            "rows": rows,
            "indicators": indicators,
            "categories": categories,
            "category": category,
            "with_self": with_self,
            "veto_items": veto_items,
            "page": page,
            "editable": _editable(result_set),
            "adjustment_kinds": AdjustmentKind.choices,
            "here": _grid_url(cycle, category, with_self, page.number),
            "other_self_url": _grid_url(cycle, category, not with_self, page.number),
            "previous_url": _grid_url(cycle, category, with_self, page.previous_page_number())
            if page.has_previous()
            else "",
            "next_url": _grid_url(cycle, category, with_self, page.next_page_number())
            if page.has_next()
            else "",
        },
    )


@login_required
@require_POST
def adjustment_remove(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_cycle_for_user(request, cycle_pk, manage=True)
    pk = parse_pk(request.POST.get("adjustment", ""))
    if pk is None:
        raise Http404
    adjustment = get_object_or_404(
        ScoreAdjustment.objects.select_related("reporter__cycle", "reporter__organization"),
        pk=pk,
        reporter__cycle=cycle,
    )
    perform(
        request,
        lambda: adjustment_delete(adjustment=adjustment, actor=request.user),
        _("The bonus or penalty is removed."),
    )
    target = request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("assessments:scores", args=[cycle.pk])
    return redirect(target)


# Results -------------------------------------------------------------------------------


@login_required
@require_http_methods(READ_METHODS)
def results(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = _whole_cycle(request, cycle_pk)
    result_set = _result_set(cycle)
    found = _results_of(result_set) if result_set is not None else []
    return render(
        request,
        "assessments/results.html",
        {
            "cycle": cycle,
            "result_set": result_set,
            "rows": _result_rows(found),
            "counts": _grade_counts(found),
            "manage": can_manage_cycle(request.user, cycle),
            "grades": Grade.choices,
        },
    )


def _managed_result(request: HttpRequest, pk: int) -> Result:
    cycle_id = Result.objects.filter(pk=pk).values_list("result_set__cycle_id", flat=True).first()
    if cycle_id is None:
        raise Http404
    get_cycle_for_user(request, cycle_id, manage=True)
    return get_object_or_404(Result.objects.select_related("result_set"), pk=pk)


def _results_url(result: Result) -> str:
    return (
        reverse("assessments:results", args=[result.result_set.cycle_id]) + f"#result-{result.pk}"
    )


@login_required
@require_POST
def adjust(request: HttpRequest, pk: int) -> HttpResponse:
    result = _managed_result(request, pk)
    form = GradeChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a grade."))
    else:
        perform(
            request,
            lambda: result_adjust(
                result=result,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            ),
            _("The grade is adjusted."),
        )
    return redirect(_results_url(result))


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    result = _managed_result(request, pk)
    form = GradeChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a grade."))
    else:
        perform(
            request,
            lambda: result_correct(
                result=result,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            ),
            _("The correction is recorded."),
        )
    return redirect(_results_url(result))


# Documents -----------------------------------------------------------------------------


@login_required
@require_http_methods(READ_METHODS)
def results_xlsx(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = _whole_cycle(request, cycle_pk)
    result_set = _result_set(cycle)
    if result_set is None or not result_set.results.exists():
        raise Http404
    workbook, filename = documents.results_workbook(cycle, result_set)
    return xlsx_response(workbook, filename)


@login_required
@require_http_methods(READ_METHODS)
def circular_docx(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = _whole_cycle(request, cycle_pk)
    document, filename = documents.circular_document(cycle, _approved_result_set(cycle))
    return docx_response(document, filename)


@login_required
@require_http_methods(READ_METHODS)
def letter_docx(request: HttpRequest, reporter_pk: int) -> HttpResponse:
    """The host's side once the results are approved; the reporter's own side (their
    own letter only: get_reporter_for_user) once they are published."""
    reporter = get_reporter_for_user(request, reporter_pk)
    cycle = reporter.cycle
    result_set = _approved_result_set(cycle)
    if not can_see_whole_cycle(request.user, cycle) and result_set.status != ResultStatus.PUBLISHED:
        raise Http404
    result = get_object_or_404(
        Result.objects.select_related(
            "reporter__organization", "reporter__person"
        ).prefetch_related("corrections"),
        result_set=result_set,
        reporter=reporter,
    )
    data = documents.LetterData(cycle, result_set, [reporter.pk])
    document, filename = documents.letter_document(result, data)
    return docx_response(document, filename)


@login_required
@require_http_methods(READ_METHODS)
def letters_zip(request: HttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = _whole_cycle(request, cycle_pk)
    content, filename = documents.letters_archive(cycle, _approved_result_set(cycle))
    response = HttpResponse(content, content_type=ZIP_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


# History -------------------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 160, 40, 4


def sparkline(totals: list[Decimal]) -> dict[str, Any] | None:
    """Polyline points of totals (0–100) across the width, oldest first."""
    if not totals:
        return None
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(totals) - 1, 1)
    points = []
    for index, total in enumerate(totals):
        x = SPARK_PAD + step * index if len(totals) > 1 else SPARK_WIDTH / 2
        clamped = min(max(float(total), 0.0), 100.0)
        y = SPARK_PAD + (SPARK_HEIGHT - 2 * SPARK_PAD) * (1 - clamped / 100)
        points.append((round(x, 1), round(y, 1)))
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "dots": points,
    }


def _visible_people(user: Any) -> Any:
    visible_posts = Post.objects.filter(person=OuterRef("pk"), organization__in=orgs_for_user(user))
    return Person.objects.filter(Exists(visible_posts))


@login_required
@require_http_methods(READ_METHODS)
def history(request: HttpRequest) -> HttpResponse:
    """Year over year, from published results: `?org=<pk>` or `?person=<pk>`."""
    visible = orgs_for_user(request.user)
    published = Result.objects.filter(
        result_set__status=ResultStatus.PUBLISHED, reporter__organization__in=visible
    )
    org: Organization | None = None
    person: Person | None = None
    org_param, person_param = request.GET.get("org", ""), request.GET.get("person", "")
    if org_param:
        org_pk = parse_pk(org_param)
        if org_pk is None:
            raise Http404
        org = get_org_for_user(request, org_pk)
        found = published.filter(reporter__organization=org)
    elif person_param:
        person_pk = parse_pk(person_param)
        if person_pk is None:
            raise Http404
        person = get_object_or_404(_visible_people(request.user), pk=person_pk)
        found = published.filter(reporter__person=person)
    else:
        found = Result.objects.none()
    size = (
        Result.objects.filter(result_set=OuterRef("result_set"))
        .order_by()
        .values("result_set")
        .annotate(n=Count("pk"))
        .values("n")
    )
    entries = list(
        found.select_related(
            "result_set__cycle__host", "reporter__organization", "reporter__person"
        )
        .annotate(size=Coalesce(Subquery(size), 0))
        .order_by("result_set__cycle__year", "result_set__cycle__host__path", "pk")
    )
    choices_orgs = Organization.objects.filter(
        pk__in=published.values("reporter__organization")
    ).order_by("path")
    choices_people = Person.objects.filter(pk__in=published.values("reporter__person")).order_by(
        "name", "pk"
    )
    return render(
        request,
        "assessments/history.html",
        {
            "org": org,
            "person": person,
            "entries": entries,
            "spark": sparkline([entry.total for entry in entries]),
            "org_choices": choices_orgs,
            "person_choices": choices_people,
            "grade_labels": GRADE_LABELS,
        },
    )
