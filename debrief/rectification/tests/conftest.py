import pytest

from debrief.rectification.models import Category, Source
from debrief.rectification.services import problem_create


@pytest.fixture
def problems(county, personas):
    """Two problems of 青石镇 and one of 柳溪镇, as a comment would leave them."""
    make = lambda org, text: problem_create(  # noqa: E731
        organization=org, category=Category.TEAM, description=text, source=Source.COMMENT
    )
    return [
        make(county.qingshi, "后备干部储备不足"),
        make(county.qingshi, "党员教育形式单一"),
        make(county.liuxi, "村级阵地建设滞后"),
    ]


# --- Fixtures of the pages, the Excel files and the commands -----------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files of each test land in the test's own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def notices_in_context(settings):
    """The top bar's unread count comes from a context processor that the project
    registers in settings; the tests register it themselves."""
    processor = "debrief.rectification.context_processors.notices"
    templates = [dict(engine) for engine in settings.TEMPLATES]
    options = dict(templates[0]["OPTIONS"])
    if processor not in options["context_processors"]:
        options["context_processors"] = [*options["context_processors"], processor]
    templates[0]["OPTIONS"] = options
    settings.TEMPLATES = templates


@pytest.fixture
def cycle(county, personas):
    """The county's 2025 cycle with 青石镇 and 柳溪镇 on the roster."""
    from debrief.cycles.services import cycle_create, roster_generate
    from debrief.orgs.models import Level

    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=c)
    return c
