"""Finding 19 of issue 18: the scheduler checks the ledger on its own. The `ledger-check` job
(the quick pass of audit verify and the read-model comparison) runs on its interval; a
problem raises the alarm in the log, on the audit page and on /metrics, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from archive.audit import ledger_check
from archive.bootstrap import bootstrap, scheduled_jobs
from archive.jobs import scheduler
from archive.settings import Settings
from tests.e2e import conftest as e2e
from tests.e2e.conftest import Api
from tests.support.ui import Pages

api, log_output = e2e.api, e2e.log_output  # the end-to-end fixtures, shared
METRICS_TOKEN = "metrics-token-for-this-test"


def run_the_scheduled_check(api: Api) -> None:
    """One run as the scheduler makes it: its own services, the scheduler's principal."""
    [job] = [j for j in scheduled_jobs() if j.name == ledger_check.JOB]
    scheduler.execute(api.archive.svc.settings, bootstrap, job, "schedule")


def alarm_metric(api: Api) -> float:
    """The alarm's value as /metrics publishes it (parsed by prometheus-client's own parser)."""
    api.app.state.metrics_token = METRICS_TOKEN
    api.app.state.metrics_cache = None  # figures are cached for a few seconds
    text = api.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "saksi_ledger_alarm"]
    [sample] = family.samples
    return float(sample.value)


def test_the_ledger_check_is_scheduled_on_its_own_configurable_interval() -> None:
    assert ledger_check.JOB in {j.name for j in scheduled_jobs()}
    settings = Settings.from_env({"SAKSI_HOME": "/tmp/x", "SAKSI_LEDGER_CHECK_INTERVAL": "PT10M"})
    assert settings.job_interval(ledger_check.JOB) == timedelta(minutes=10)


def test_tampering_raises_the_alarm_in_the_log_on_the_audit_page_and_in_metrics(
    api: Api, log_output: io.StringIO
) -> None:
    run_the_scheduled_check(api)
    assert not ledger_check.alarm(api.archive.svc).raised
    assert alarm_metric(api) == 0
    auditor = Pages(TestClient(api.app, raise_server_exceptions=False))
    auditor.sign_in(api.archive.tokens["sari"])
    assert 'id="ledger-alarm"' not in auditor.get("/audit").text

    # Someone with write access to the database makes eko an admin in the read model.
    with api.archive.svc.db.tx() as tx:
        tx.run("UPDATE rm_users SET role='admin' WHERE name='eko'")
    run_the_scheduled_check(api)

    raised = ledger_check.alarm(api.archive.svc)
    assert raised.raised and raised.problems == 1
    assert "ledger check ALARM" in log_output.getvalue()
    assert "rm_users: user eko: role differs from the log" in log_output.getvalue()
    page = auditor.get("/audit").text
    assert 'id="ledger-alarm"' in page and "user eko: role differs" in page
    assert alarm_metric(api) == 1

    # Repaired (the read models rebuilt from the log): the next check lowers the alarm.
    api.archive.svc.projector.rebuild()
    run_the_scheduled_check(api)
    assert not ledger_check.alarm(api.archive.svc).raised
    assert alarm_metric(api) == 0
