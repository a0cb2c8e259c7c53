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
