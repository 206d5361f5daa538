import pytest
from ivr import logs as ivr_logs
from test_fault_drills import drill_settings, test_asterisk_restarts_mid_campaign, test_ari_connection_cut_for_5_seconds, test_trunk_answers_503_for_a_minute, test_database_unavailable_for_10_seconds  # noqa

@pytest.fixture(autouse=True)
def _logfile(request):
    f = open(f"/tmp/drill-{request.node.name}.jsonl", "w")
    ivr_logs.configure(stream=f)
    yield
    f.flush()
