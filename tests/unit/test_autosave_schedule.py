from trainpkg_app.core.autosave import AutosaveSchedule
from trainpkg_app.settings import Settings


def test_the_default_interval_is_30_seconds(monkeypatch):
    monkeypatch.delenv("TRAINPKG_AUTOSAVE_INTERVAL_S", raising=False)
    assert AutosaveSchedule().interval_s == 30.0
    assert Settings().autosave_interval_s == 30.0
    assert AutosaveSchedule().next_delay(0) == 30.0


def test_failures_back_off_exponentially_up_to_a_cap():
    schedule = AutosaveSchedule()
    assert [schedule.next_delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_the_interval_is_configurable(monkeypatch):
    monkeypatch.setenv("TRAINPKG_AUTOSAVE_INTERVAL_S", "1.5")
    assert Settings().autosave_interval_s == 1.5
