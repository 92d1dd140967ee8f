"""The service worker's rules, run in Node.js with the worker exactly as /sw.js serves
it, against a fake network and cache: what it keeps, what it never keeps (an answer to
a POST, one marked no-store, one that came by a redirect), and what a page gets with
no network."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from easeback.web.pwa import WORKER, worker_lists
from easeback.wording import messages

CASES = Path(__file__).parent / "worker_cases.mjs"


@pytest.fixture(scope="module")
def cases() -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs it)"
    keep = json.dumps(worker_lists())
    done = subprocess.run(
        [node, "--no-warnings", str(CASES), str(WORKER), keep],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {case["name"]: case for case in json.loads(done.stdout)}


def kept_paths(case: dict[str, Any]) -> list[str]:
    return sorted(key.split(" ", 1)[1] for key in case["kept"])


def test_a_page_online_is_answered_from_the_network_and_kept(cases: dict[str, Any]) -> None:
    case = cases["a page online is answered and kept"]
    assert case["page"]["body"].endswith("today</main></html>")
    assert kept_paths(case) == ["/today"]


def test_a_no_store_answer_is_never_kept_and_removes_an_older_copy(
    cases: dict[str, Any],
) -> None:
    case = cases["a page marked no-store is not kept, and an older copy goes"]
    assert "login" in case["page"]["body"]
    assert case["kept"] == {}


def test_an_answer_that_came_by_a_redirect_is_not_kept(cases: dict[str, Any]) -> None:
    assert cases["a page reached by a redirect is not kept"]["kept"] == {}


def test_offline_the_kept_page_is_shown_with_the_time_it_was_saved(
    cases: dict[str, Any],
) -> None:
    body = cases["offline, the kept page says when it was saved"]["page"]["body"]
    note = messages.WEB_OFFLINE_SAVED_AT.format(time="07:05")
    assert (
        f'<main id="main" tabindex="-1">\n<p class="offline-note" role="status">{note}</p>' in body
    )
    assert body.endswith("saved today</main></html>")


def test_offline_a_page_never_kept_says_so(cases: dict[str, Any]) -> None:
    page = cases["offline, a page never kept says so"]["page"]
    assert page["status"] == 503
    assert "This page was not saved on this device" in page["body"]


@pytest.mark.parametrize(
    "name",
    [
        "a POST is left to the network",
        "a page not for offline use is left to the network",
        "another site is left alone",
        "the API of sessions is left to the network",
    ],
)
def test_what_is_not_the_workers_goes_to_the_network_untouched(
    cases: dict[str, Any], name: str
) -> None:
    assert cases[name]["handled"] is False
    assert cases[name]["kept"] == {}


def test_a_versioned_static_file_comes_from_the_cache_with_no_network(
    cases: dict[str, Any],
) -> None:
    case = cases["a versioned static file comes from the cache first"]
    assert case["page"]["body"] == f"kept {worker_lists()['shell'][0]}"


def test_todays_message_keeps_the_offline_pages_a_worker_begun_at_login_could_not(
    cases: dict[str, Any],
) -> None:
    """On a clinic's server the worker is first installed from the login page, when
    /stretches and /diary answer with a redirect to it: Today's message, sent once
    the patient is in, keeps them then."""
    kept = kept_paths(cases["Today's message also keeps the offline pages not kept yet"])
    assert set(worker_lists()["pages"]) <= set(kept)
    assert {"/play?slot=morning", "/api/play?slot=morning"} <= set(kept)
