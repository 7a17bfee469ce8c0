from trainpkg_app.worker_respawn import _Deaths


def test_a_death_reported_while_the_supervisor_handles_others_is_kept():
    deaths = _Deaths()
    deaths.append(0)
    handled = list(deaths)  # the supervisor copies the list…
    deaths.append(1)  # …a second worker dies…
    deaths.clear()  # …and the supervisor clears what it copied
    assert handled == [0]
    assert list(deaths) == [1]  # still there for the next round (a plain list lost it)
    deaths.clear()
    assert not deaths
