from trainpkg_app.core.vocabulary import TrainingStatus, VersionStatus, sql_in_list


def test_sql_in_list_quotes_every_member_in_order():
    assert sql_in_list(VersionStatus) == "'draft', 'published', 'archived'"


def test_training_statuses_match_the_original_plan():
    assert [s.value for s in TrainingStatus] == [
        "pending",
        "running",
        "completed",
        "failed",
        "cancelled",
    ]
