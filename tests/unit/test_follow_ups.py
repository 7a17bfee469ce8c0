from trainpkg_app.state.events import follow_ups


def test_helpers_that_had_nothing_to_add_leave_no_none_in_the_list():
    first, last = object(), object()
    assert follow_ups(first, None, last) == [first, last]
    assert follow_ups(None) == []
