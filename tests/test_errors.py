"""Problems and the errors that carry them (`rallycal.errors`)."""

from __future__ import annotations

from rallycal.errors import Problem, PublishError, RallycalError, RemovalRefused, SourceError


def test_a_problem_names_file_line_and_column():
    assert Problem(3, 45, "unknown key").format("events.yaml") == "events.yaml:3:45: unknown key"


def test_problems_are_reported_in_file_order_with_a_count():
    error = SourceError("data/season.yaml", [Problem(10, 2, "b"), Problem(2, 7, "a"),
                                             Problem(10, 1, "c")])
    assert error.report() == "\n".join([
        "data/season.yaml:2:7: a",
        "data/season.yaml:10:1: c",
        "data/season.yaml:10:2: b",
        "3 problems found in data/season.yaml",
    ])
    assert str(error) == error.report()


def test_one_problem_is_counted_in_the_singular():
    report = SourceError("e.yaml", [Problem(1, 1, "x")]).report()
    assert report == "e.yaml:1:1: x\n1 problem found in e.yaml"


def test_every_explained_failure_is_a_rallycal_error():
    for kind in (SourceError, PublishError, RemovalRefused):
        assert issubclass(kind, RallycalError)
    assert issubclass(RemovalRefused, PublishError)
