"""An error page's way on leads each reader to their own home: a clinician refused a
patient's page, or asking for a report with nothing in it, is sent to their patients,
not to "today" (which would refuse them again)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from server_helpers import clinic

PATIENTS = ("/clinic", "Go to your patients")


def way_on(html: str) -> tuple[str, str]:
    link = BeautifulSoup(html, "html.parser").select_one("main a.button")
    assert link is not None
    return str(link["href"]), link.get_text(strip=True)


@pytest.mark.parametrize(
    ("who", "path", "home"),
    [
        ("dr_a", "/today", PATIENTS),
        ("dr_a", "/clinic/patients/{pat_a}/report.pdf?start=2026-13-01", PATIENTS),
        ("admin", "/clinic", ("/admin", "Go to the clinicians")),
        ("pat_a", "/admin", ("/today", "Go to today")),
        ("pat_a", "/no-such-page", ("/today", "Go to today")),
    ],
)  # fmt: skip
def test_the_error_pages_way_on_is_the_readers_home(
    postgres_url: str, who: str, path: str, home: tuple[str, str]
) -> None:
    with clinic(postgres_url) as c:
        browser = c.client(who)
        answer = browser.get(path.format(pat_a=c.people["pat_a"].id))
        assert answer.status_code in (400, 403, 404)
        assert way_on(answer.text) == home
        assert browser.get(home[0]).status_code == 200
