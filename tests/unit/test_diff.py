from trainpkg_app.core.diff import Change, diff_snapshots, flatten, only_differences


def rows_by_path(left, right):
    return {(row.step, row.path): row for row in diff_snapshots(left, right)}


def test_flatten_nested_values_and_keyed_lists():
    assert flatten(
        {"a": {"b": 1, "c": [1, 2]}, "datasets": [{"dataset_id": "x/y", "split": "train"}]}
    ) == {
        "a.b": 1,
        "a.c[0]": 1,
        "a.c[1]": 2,
        "datasets[x/y].dataset_id": "x/y",
        "datasets[x/y].split": "train",
    }


def test_empty_containers_are_leaves():
    assert flatten({"tags": [], "extra": {}}) == {"tags": [], "extra": {}}


def test_changed_values_are_shown_side_by_side():
    rows = rows_by_path(
        {"config": {"learning_rate": 0.0002}}, {"config": {"learning_rate": 0.0001}}
    )
    row = rows[("config", "learning_rate")]
    assert (row.change, row.left, row.right) == (Change.CHANGED, "0.0002", "0.0001")


def test_added_and_removed_datasets_are_matched_by_id_not_position():
    left = {"dataset": {"datasets": [{"dataset_id": "a/one"}, {"dataset_id": "b/two"}]}}
    right = {"dataset": {"datasets": [{"dataset_id": "b/two"}, {"dataset_id": "c/three"}]}}
    rows = rows_by_path(left, right)
    assert rows[("dataset", "datasets[a/one].dataset_id")].change == Change.REMOVED
    assert rows[("dataset", "datasets[c/three].dataset_id")].change == Change.ADDED
    assert rows[("dataset", "datasets[b/two].dataset_id")].change == Change.UNCHANGED


def test_a_type_change_is_a_change_and_is_visible():
    row = rows_by_path({"config": {"num_epochs": 3}}, {"config": {"num_epochs": "3"}})[
        ("config", "num_epochs")
    ]
    assert row.change == Change.CHANGED
    assert (row.left, row.right) == ("3", '"3"')


def test_added_and_removed_fields_have_an_empty_side():
    rows = rows_by_path({"model": {"revision": "abc"}}, {"model": {"license": "mit"}})
    assert (rows[("model", "revision")].change, rows[("model", "revision")].right) == (
        Change.REMOVED,
        "",
    )
    assert (rows[("model", "license")].change, rows[("model", "license")].left) == (
        Change.ADDED,
        "",
    )


def test_rows_come_in_step_order_and_only_differences_filters():
    left = {"deploy": {"target": "local"}, "model": {"model_id": "a/b"}}
    right = {"deploy": {"target": "hf_job"}, "model": {"model_id": "a/b"}}
    rows = diff_snapshots(left, right)
    assert [row.step for row in rows] == ["model", "deploy"]
    assert [(row.step, row.path) for row in only_differences(rows)] == [("deploy", "target")]


def test_identical_snapshots_have_no_differences():
    snapshot = {"model": {"model_id": "a/b", "nested": {"x": [1, {"id": "k", "v": None}]}}}
    assert only_differences(diff_snapshots(snapshot, snapshot)) == []
