"""Helpers for tests that sign: a run is signed "performed" only when every checklist step is
ticked or covered by a deviation (protocol_kit.records.signing_rules)."""


def tick_rest(run, operator=None):
    """Tick every checklist step of ``run`` not ticked yet (as ``operator``, default the run's)."""
    for step in run.protocol.checklist:
        if step.id not in run.steps:
            run.check(step.id, operator=operator)
    return run
