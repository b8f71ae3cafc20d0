"""An unsigned report is unmistakably a self-test: banner first, never a certificate's green."""

from __future__ import annotations

from dataclasses import replace

from report_samples import make_report, result
from rich.console import Console

from conform.report import Report
from conform.reporters import ReportFormat, render
from conform.reporters.terminal import print_report
from conform.results import Status, Verdict

GREEN = "\x1b[1;32m"  # rich's "bold green": the certified verdict's colour
SIGNATURE = {"algorithm": "ed25519", "key_id": "0123abcd0123abcd", "public_key": "", "value": ""}


def _certified() -> Report:
    report = make_report(requirements=(result("CORE-001", Status.PASSED),), waivers=())
    assert report.verdict is Verdict.CERTIFIED
    return report


def _terminal(report: Report) -> str:
    console = Console(force_terminal=True, color_system="standard", width=120)
    with console.capture() as captured:
        print_report(report, console)
    return captured.get()


def test_unsigned_terminal_banner_comes_first_and_is_not_green() -> None:
    shown = _terminal(_certified())
    assert shown.splitlines()[0].strip().endswith("SELF-TEST — not a certification \x1b[0m")
    assert GREEN not in shown
    signed = _terminal(replace(_certified(), signature=SIGNATURE))
    assert GREEN in signed and "SELF-TEST" not in signed


def test_unsigned_html_verdict_wears_the_self_test_stripes() -> None:
    page = render(_certified(), ReportFormat.HTML).decode()
    assert 'class="verdict v-self-test"' in page and 'class="verdict v-CERTIFIED"' not in page
    assert "Verdict: CERTIFIED — SELF-TEST — not a certification</div>" in page
    signed = replace(_certified(), signature=SIGNATURE)
    assert 'class="verdict v-CERTIFIED"' in render(signed, ReportFormat.HTML).decode()
