"""`run_certification`: the orchestration — plan, probe, execute the suite, clean up, then hand
what happened to the results stage (`outcome.build_report`) and write the report's files."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from conform import __version__
from conform.bundle import Bundle, load_bundle
from conform.diff import regressions
from conform.errors import UsageError
from conform.evidence import EvidenceLog
from conform.http import BodyTooLarge, TransportError, Unauthorized
from conform.i18n import warning_text
from conform.profiles import check_map, profile_for
from conform.report import BundleRef, EvidenceRef, Report, TargetInfo, load_report
from conform.resources import suites_dir
from conform.runner.config import RunConfig
from conform.runner.execute import SuiteRun, run_suite
from conform.runner.localise import class_titles, localised
from conform.runner.outcome import RunOutcome, build_report
from conform.runner.output import EVIDENCE_FILE, default_out_dir, link_last, write_formats
from conform.runner.plan import Plan, make_plan
from conform.runner.preflight import check_bundle, check_out_dir, strip_api_root, target_line
from conform.runner.probe import probe_problem, unauthorized, unreachable
from conform.runner.progress import Progress
from conform.runner.properties import PhaseRun, planned
from conform.signing import load_private_key, sign_report
from conform.suite.context import SuiteContext
from conform.suite.coverage import suite_tests
from conform.suite.session import open_session, reference_config, resolve_target
from conform.target import TargetConfig, target_facts
from conform.transport import TLS_UNVERIFIED
from conform.waivers import Waiver, load_waivers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class _Inputs:
    """The option files of a run (waivers, baseline), read and checked before anything runs."""

    waivers: tuple[Waiver, ...] = ()
    warnings: tuple[str, ...] = ()  # waivers ignored (expired, unknown id, duplicate)
    baseline: Report | None = None


def _read_inputs(config: RunConfig, bundle: Bundle) -> _Inputs:
    """Read every option file up front: a bad one must not cost a whole run (nor leave files)."""
    if config.sign_key is not None:
        load_private_key(config.sign_key)  # unreadable key or wrong passphrase: fail now
    waivers: list[Waiver] = []
    warnings: list[str] = []
    if config.waivers is not None:
        today = datetime.now(UTC).date()
        known = {r.id for r in bundle.requirements}
        waivers, warnings = load_waivers(config.waivers, today, known_ids=known)
    baseline = load_report(config.baseline) if config.baseline is not None else None
    return _Inputs(tuple(waivers), tuple(warnings), baseline)


def _suite_dir(config: RunConfig, bundle: Bundle) -> Path:
    folder = config.suite_dir or suites_dir() / bundle.id
    if not folder.is_dir():
        raise UsageError(f"no suite for bundle {bundle.id}: {folder} is not a folder")
    return folder


def _probe(ctx: SuiteContext) -> str:
    """'' if the endpoint can be tested, else why not (one actionable line)."""
    ctx.evidence.set_phase("probe")
    profile = profile_for(ctx.bundle)
    path, params = profile.probe.request(tuple(ctx.target.data_models))
    try:
        response = ctx.client.get(path, params=params)
    except BodyTooLarge as exc:  # the harness's own cap, not proof the target broke a rule
        return f"could not read the endpoint's answer: {exc} (the --max-body cap)"
    except Unauthorized as exc:
        return unauthorized(str(exc))
    except TransportError as exc:
        return unreachable(str(exc))
    finally:
        ctx.evidence.set_phase("")
    return probe_problem(response, ctx.client.base_url, profile)


def _execute(
    ctx: SuiteContext, plan: Plan, suite: Path, config: RunConfig, progress: Progress
) -> tuple[SuiteRun, str]:
    """The suite's and the property-based phase's outcomes, or why every requirement errors."""
    progress.phase(f"probing {ctx.target.url}")
    unreachable = _probe(ctx)
    if unreachable:
        # an https certificate the client cannot trust stops the run, but the checks that make
        # their own handshakes (certificate, TLS versions) still judge it: a finding, not a gap
        transport = plan.needing("https") if TLS_UNVERIFIED in unreachable else None
        if not transport or not transport.items:
            return SuiteRun(), unreachable
        progress.phase(f"running the {len(transport.items)} https requirements only")
        return run_suite(suite, ctx, transport, progress, jobs=1), unreachable
    phase = None
    if planned(plan):  # its cases are drawn in worker processes while the suite runs
        phase = PhaseRun(
            ctx, plan, max_examples=config.max_examples, workers=config.workers, progress=progress
        )
    progress.phase(
        f"running {len(plan.test_ids)} tests for {len(plan.to_run)} requirements, "
        f"{config.job_count} at a time"
    )
    try:
        run = run_suite(suite, ctx, plan, progress, jobs=config.job_count, beside=phase)
    finally:
        if phase is not None:
            phase.cancel()  # a no-op once every case was sent
    if phase is not None and not run.interrupted:
        try:
            run.outcomes += phase.outcomes()
        except KeyboardInterrupt:  # keep the suite's outcomes; the phase's are "not executed"
            run.interrupted = True
    return run, ""


def _cleanup(ctx: SuiteContext) -> tuple[list[str], bool]:
    """Delete what the run created; leftovers, and whether a second Ctrl-C cut it short."""
    ctx.evidence.set_phase("cleanup")
    try:
        return [str(x) for x in ctx.client.cleanup()], False
    except KeyboardInterrupt:
        return ["cleanup interrupted: resources of this run may remain"], True
    except TransportError as exc:
        return [f"cleanup failed: {exc}"], False


def _options(config: RunConfig, inputs: _Inputs) -> dict[str, object]:
    """The run's options as the report records them."""
    return {
        "read_only": config.read_only, "only": list(config.only),
        "classes": list(config.classes), "request_timeout": config.request_timeout,
        "max_body": config.max_body, "reference": config.uses_reference,
        "baseline": inputs.baseline.run_id if inputs.baseline else None,
        "fail_on_regression": config.fail_on_regression,
        "max_examples": config.max_examples, "workers": config.workers,
        "jobs": config.job_count, "max_concurrent": config.concurrency,
        "rate_limit": config.rate_limit,
    }  # fmt: skip


def _run(
    config: RunConfig, bundle: Bundle, target: TargetConfig, inputs: _Inputs, progress: Progress
) -> RunOutcome:
    config = config.for_target(target.url)
    suite = _suite_dir(config, bundle)
    plan = make_plan(
        bundle, suite_tests(suite), declared=target.classes, only=config.only,
        read_only=config.read_only, property_based=set(check_map(bundle).values()),
        facts=target_facts(target),
    )  # fmt: skip
    run_id, started = secrets.token_hex(4), _now()
    progress.run_started(plan)
    progress.phase(target_line(target, config.system, config.uses_reference))
    progress.phase(f"run {run_id}, seed {config.seed}")
    for warning in inputs.warnings:
        progress.phase(f"warning: {warning}")
    with open_session(
        bundle, target, run_id=run_id, seed=config.seed, timeout=config.request_timeout,
        max_body=config.max_body, limiter=config.limiter(),
    ) as ctx:  # fmt: skip
        run, error_all, interrupted = SuiteRun(), "", False
        try:
            run, error_all = _execute(ctx, plan, suite, config, progress)
            interrupted = run.interrupted
        except KeyboardInterrupt:
            interrupted = True
        progress.phase("cleaning up")
        leftovers, cut = _cleanup(ctx)
        report = build_report(
            plan, run.outcomes,
            bundle=BundleRef(
                bundle.id, bundle.version, bundle.sha256, class_titles(bundle, config.lang)
            ),
            target=TargetInfo(
                target.name, target.url, target.vendor or "", target.product_version or "",
                tuple(target.classes), tuple(target.data_models),
            ),
            run_id=run_id, seed=config.seed, started_at=started, finished_at=_now(),
            harness_version=__version__, options=_options(config, inputs),
            collect_errors=run.collect_errors, error_all=error_all,
            probe_evidence=ctx.evidence.ids_for("probe"), interrupted=interrupted or cut,
            leftovers=leftovers, waivers=inputs.waivers, waiver_warnings=inputs.warnings,
            baseline=inputs.baseline, lang=config.lang, redact=ctx.evidence.redact,
        )  # fmt: skip
        report = replace(
            report,
            requirements=localised(report.requirements, bundle, config.lang),
            warnings=tuple(warning_text(w, config.lang) for w in report.warnings),
        )
        out_dir = config.out or default_out_dir(target.name)
        progress.phase(f"writing the report to {out_dir}")
        report, files = _write(config, ctx.evidence, out_dir, report)
        if config.out is None:
            link_last(out_dir)  # reports/last: the baseline of the next run
        regressed = tuple(regressions(inputs.baseline, report)) if inputs.baseline else ()
        return RunOutcome(
            report,
            out_dir,
            files,
            regressed,
            config.fail_on_regression,
            stopped="" if run.outcomes else error_all,
        )


def _write(
    config: RunConfig, evidence: EvidenceLog, out_dir: Path, report: Report
) -> tuple[Report, tuple[Path, ...]]:
    """Evidence first (the report carries its hash), then the signature, then every format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    digest, count = evidence.write(out_dir / EVIDENCE_FILE)
    report = replace(report, evidence=EvidenceRef(EVIDENCE_FILE, digest, count))
    if config.sign_key is not None:
        report = sign_report(report, config.sign_key)
    written = write_formats(report, out_dir, evidence.exchanges(), config.formats)
    return report, (out_dir / EVIDENCE_FILE, *written)


def run_certification(config: RunConfig, progress: Progress) -> RunOutcome:
    """Certify the configured target (or the in-process reference server) and write the report."""
    bundle = load_bundle(config.bundle)
    check_bundle(bundle)
    check_out_dir(config.out or Path("reports"), force=config.force)
    inputs = _read_inputs(config, bundle)
    with contextlib.ExitStack() as stack:
        if config.uses_reference:
            from conform.reference.choose import for_bundle

            progress.phase("starting the reference server")
            server = stack.enter_context(for_bundle(bundle))
            target = reference_config(
                bundle, server.url, config.callback_host, server.tenant, server.tenants
            )
        else:
            target = resolve_target(
                bundle, url=config.url, system=config.system, classes=config.classes,
                callback_host=config.callback_host, ca_bundle=config.ca_bundle,
            )  # fmt: skip
            target, note = strip_api_root(target, profile_for(bundle).api_root)
            if note:
                progress.phase(note)
        outcome = _run(config, bundle, target, inputs, progress)
    progress.run_finished(outcome)
    return outcome
