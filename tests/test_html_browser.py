"""report.html in a real headless browser: it renders, shows the verdict, its JS runs cleanly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from report_samples import make_report, sample_exchanges

from conform.reporters import ReportFormat, render

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium; .ci/run does)"
)


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("lang", "meaning"), [("en", "MUST requirement failed"), ("ja", "不合格です")]
)
def test_report_html_renders_with_verdict_and_working_js(
    tmp_path: Path, lang: str, meaning: str
) -> None:
    page = tmp_path / "report.html"
    page.write_bytes(render(make_report(), ReportFormat.HTML, sample_exchanges(), lang))
    url = page.as_uri()

    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-js-ok="1"' in dom.stdout, "the page script did not run to its end"
    assert "NOT_CERTIFIED" in dom.stdout and meaning in dom.stdout

    png = tmp_path / "report.png"
    shot = _chromium(
        tmp_path / "profile-shot", f"--screenshot={png}", "--window-size=1280,2000", url
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_report_html_logs_no_console_errors(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_bytes(render(make_report(), ReportFormat.HTML, sample_exchanges()))
    run = _chromium(
        tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()
    )
    assert run.returncode == 0, run.stderr[-2000:]
    page_errors = [
        line
        for line in run.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Content Security Policy" in line
    ]
    assert page_errors == []
    assert 'data-js-ok="1"' in run.stdout
