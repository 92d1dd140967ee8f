"""The browser's outbox, shared by every easeback tab: what one tab keeps, no other
tab drops, even when the server refuses some sends (another program holds the store).
Run in Node.js with the page's own module."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

OUTBOX = Path(__file__).parents[1] / "src/easeback/web/static/js/outbox.js"


def test_two_tabs_sending_one_outbox_deliver_every_item_and_the_pain_stop() -> None:
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs it)"
    done = subprocess.run(
        [node, "--no-warnings", str(Path(__file__).parent / "outbox_tabs.mjs"), OUTBOX.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    trials = json.loads(done.stdout)

    assert len(trials) == 12
    for trial in trials:
        assert trial["left"] == 0
        assert sorted(trial["received"]) == ["pain_stop", "paused", "phase", "resumed"]


def test_what_waits_while_the_login_has_ended_is_kept_and_sent_after_logging_in() -> None:
    """On a clinic's server a phone's login can end while sessions wait on it (30 days
    offline, or the clinic ended it): a 401 is not a refusal of the records."""
    node = shutil.which("node")
    assert node, "Node.js is needed (make test installs it)"
    done = subprocess.run(
        [node, "--no-warnings", str(Path(__file__).parent / "outbox_login.mjs"), OUTBOX.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    seen = json.loads(done.stdout)

    assert seen["expired"] == {"received": [], "left": 2, "problem": "login"}
    assert seen["again"] == {"received": ["phase", "pain_stop"], "left": 0, "problem": None}
