"""Run the benchmarks, print each figure against its target, save them as JSON.

Usage: .venv/bin/python benchmarks/run.py [--quick] [--no-store] [--no-history] [--no-web]
       [--no-reports] [--no-lighthouse] [--no-audio] [--no-uploads] [--no-clinic]
       [--no-sync]

Exits 1 when a figure misses its target, so ``make bench`` can gate a change.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import audio_track
import clinic
import history
import lighthouse
import player_timing
import reports
import startup
import sync
import uploads
import web
from figures import Figure, format_table

RESULTS = Path(__file__).parent / "results" / "latest.json"
FULL_SPEED = 10.0
QUICK_SPEED = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"play the routine at speed {QUICK_SPEED:g} instead of {FULL_SPEED:g}",
    )
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="skip the variant that commits every event to a real SQLite store",
    )
    parser.add_argument(
        "--no-history",
        action="store_true",
        help="skip `easeback today --json` on a generated store with 3 years of history",
    )
    parser.add_argument(
        "--no-web",
        action="store_true",
        help="skip the web app: first visit bytes, a browser session of "
        f"{web.SESSION_S / 60:g} minutes (speed {web.QUICK_SPEED:g} with --quick) "
        "and the event API under wrk load",
    )
    parser.add_argument(
        "--no-reports",
        action="store_true",
        help=f"skip the PDF report and the exports on a generated {reports.YEARS}-year store",
    )
    # --- issue 15, pages: Lighthouse ---
    parser.add_argument(
        "--no-lighthouse",
        action="store_true",
        help="skip Lighthouse (mobile profile) on Today, a stretch page and the player",
    )
    # --- end Lighthouse ---
    parser.add_argument(  # audio part
        "--no-audio",
        action="store_true",
        help=f"skip the audio track: its making, and a session of the {audio_track.ROUTINE} "
        "routine played by its track in the browser at speed 1 (about a minute)",
    )
    parser.add_argument(  # server part (#13)
        "--no-uploads",
        action="store_true",
        help=f"skip event uploads from {uploads.PHONES} phones at once against easeback server "
        f"run with {', '.join(map(str, uploads.WORKERS))} workers on a throwaway PostgreSQL "
        "(about a minute)",
    )
    parser.add_argument(  # issue 13, clinician views
        "--no-clinic",
        action="store_true",
        help=f"skip the clinician's list and patient page on a clinic of {clinic.PATIENTS} "
        "patients in a throwaway PostgreSQL server (about 2 minutes)",
    )
    parser.add_argument(  # issue 14, sync
        "--no-sync",
        action="store_true",
        help="skip sync: a year of daily use sent to easeback server run on a throwaway "
        "PostgreSQL, a sync with nothing new, a second device pulling the year (about a "
        "minute)",
    )
    parser.add_argument(
        "--rounds", type=int, default=15, help="start-up and history rounds (default 15)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    speed = QUICK_SPEED if args.quick else FULL_SPEED
    report: dict[str, Any] = {
        "when_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "quick": args.quick,
    }
    figures: list[Figure] = []

    print(f"start-up: {args.rounds} rounds after 2 warm-ups ...", flush=True)
    started = startup.measure(rounds=args.rounds)
    figures += started.figures()
    report["startup_samples_s"] = started.samples_s

    if not args.no_history:
        print(
            f"history: generating {history.YEARS} years of sessions, then {args.rounds} rounds "
            "after 2 warm-ups ...",
            flush=True,
        )
        lived = history.measure(rounds=args.rounds)
        figures += lived.figures()
        report["history"] = lived.to_json()

    report["player"] = []
    for store in (False, *(() if args.no_store else (True,))):
        planned = player_timing.routine_seconds() / speed
        label = "with a SQLite store" if store else "in memory"
        print(f"player {label}: about {planned:.1f} s at speed {speed:g} ...", flush=True)
        timing = player_timing.measure(speed, store=store)
        figures += timing.figures()
        report["player"].append(timing.to_json())

    if not args.no_web:
        web_speed = web.rehearsal_speed(args.quick)
        print(
            f"web app: first visit, a browser session at speed {web_speed:g} and "
            f"{web.load_seconds(args.quick)} s of wrk load ...",
            flush=True,
        )
        served = web.measure(quick=args.quick)
        figures += served.figures()
        report["web"] = served.to_json()

    if not args.no_reports:
        runs = 1 if args.quick else 3
        print(
            f"reports: generating {reports.YEARS} years of daily use, then the PDF report "
            f"and each export, {runs} run(s) each ...",
            flush=True,
        )
        made = reports.measure(runs=runs)
        figures += made.figures()
        report["reports"] = made.to_json()

    # --- issue 15, pages: Lighthouse ---
    if not args.no_lighthouse:
        print("lighthouse: Today, a stretch page and the player, mobile profile ...", flush=True)
        audited = lighthouse.measure()
        figures += audited.figures()
        report["lighthouse"] = audited.to_json()
    # --- end Lighthouse ---
    if not args.no_audio:  # audio part
        print(
            f"audio track: making {audio_track.MADE_ROUTINE}'s, then playing "
            f"{audio_track.ROUTINE} by its track at speed 1 (about a minute) ...",
            flush=True,
        )
        heard = audio_track.measure()
        figures += heard.figures()
        report["audio_track"] = heard.to_json()

    if not args.no_uploads:  # server part (#13)
        seconds = uploads.QUICK_RUN_S if args.quick else uploads.RUN_S
        print(
            f"uploads: {uploads.PHONES} phones at once, {seconds:g} s against easeback server "
            f"run with each of {', '.join(map(str, uploads.WORKERS))} workers ...",
            flush=True,
        )
        uploaded = uploads.measure(quick=args.quick)
        figures += uploaded.figures()
        report["uploads"] = uploaded.to_json()
    if not args.no_clinic:  # issue 13, clinician views
        print(
            f"clinic: {clinic.PATIENTS} patients in PostgreSQL, then the list and patient "
            "pages ...",
            flush=True,
        )
        kept = clinic.measure(rounds=60 if args.quick else 200)
        figures += kept.figures()
        report["clinic"] = kept.to_json()

    if not args.no_sync:  # issue 14, sync
        print(
            "sync: a year of daily use to an empty account on easeback server run, then "
            f"{sync.ROUNDS} syncs with nothing new and a second device ...",
            flush=True,
        )
        synced = sync.measure()
        figures += synced.figures()
        report["sync"] = synced.to_json()

    print()
    print(format_table(figures))
    failed = [f for f in figures if f.passed is False]
    print()
    print(f"{len(failed)} of {sum(f.passed is not None for f in figures)} targets missed.")

    report["figures"] = [f.to_json() for f in figures]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Saved {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
