import json
import math

from trainpkg_app.core.metric_records import finite, json_safe, number, parse_line, parse_lines
from trainpkg_app.deploy.hf_job import METRICS_MARK, parse_logs


def test_non_finite_values_become_their_json_names_and_come_back_as_floats():
    line = json.dumps({"step": 3, "loss": math.nan, "grad_norm": math.inf, "x": -math.inf})
    record = parse_line(line)
    assert record == {"step": 3, "loss": "NaN", "grad_norm": "Infinity", "x": "-Infinity"}
    json.dumps(record, allow_nan=False)  # what PostgreSQL and the browser accept
    assert math.isnan(number(record["loss"])) and number(record["grad_norm"]) == math.inf


def test_numbers_stay_numbers_and_other_values_are_not_numbers():
    plain = {"step": 1, "loss": 1.5, "note": "ok"}
    assert json_safe(plain) == plain
    assert (number(2), number(True), number("1.5"), number(None)) == (2.0, None, None, None)
    assert (finite(1.5), finite("NaN"), finite(math.inf)) == (1.5, None, None)


def test_blank_lines_are_skipped():
    assert parse_lines('{"step": 1}\n\n{"step": 2, "loss": NaN}\n') == [
        {"step": 1},
        {"step": 2, "loss": "NaN"},
    ]


def test_a_job_log_with_a_nan_loss_gives_json_safe_metrics():
    metrics, _summary, _other = parse_logs([METRICS_MARK + '{"step": 4, "loss": NaN}'])
    assert metrics == [{"step": 4, "loss": "NaN"}]
