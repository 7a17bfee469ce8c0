"""Shared by every suite: the fake Hub fixtures."""

pytest_plugins = ["tests.fakehub.fixtures", "tests.trainkit.packages"]
