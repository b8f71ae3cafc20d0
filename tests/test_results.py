"""Root causes: failures grouped by the observation they share and by what they blocked."""

from __future__ import annotations

from report_samples import result

from conform.results import Level, Status, root_causes


def test_alike_answers_and_blocked_requirements_are_one_cause() -> None:
    shape = "expected an entity object, got an array of 1: "
    results = (
        result("CORE-002", Status.FAILED, message=shape + '[{"id": "urn:a:conform-1a-2"}] [x1]'),
        result("CORE-007", Status.FAILED, message=shape + '[{"id": "urn:b:conform-1a-3"}] [x2]'),
        result("BAT-001", Status.BLOCKED, message="blocked", blocked_by="CORE-007"),
        result("BAT-002", Status.BLOCKED, message="blocked", blocked_by="BAT-001"),  # a chain
        result("QRY-001", Status.FAILED, Level.SHOULD, message="expected 2 entities, got 1"),
        result("QRY-002", Status.BLOCKED, message="blocked", blocked_by="QRY-003"),  # passed
        result("QRY-003", Status.PASSED),
    )
    causes = root_causes(results)
    # the requirement the others were blocked by stands for the group
    assert [(c.requirement, c.explains) for c in causes] == [
        ("CORE-007", ("CORE-007", "CORE-002", "BAT-001", "BAT-002")),
        ("QRY-001", ("QRY-001",)),
    ]
    assert causes[0].message.endswith("[x2]")
