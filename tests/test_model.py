"""The shared vocabulary: answers keep their status, and conditions never read silence as an answer."""

import pytest
from pydantic import ValidationError

from oasys_diversity.model import Answer, Condition


def _answers(**values):
    return {
        qid.replace("__", "."): Answer(question_id=qid.replace("__", "."), status="answered", value=value)
        for qid, value in values.items()
    }


def test_only_an_answered_answer_carries_a_value():
    with pytest.raises(ValidationError):
        Answer(question_id="faith.religion", status="declined", value="muslim")
    assert Answer(question_id="faith.religion").status == "not_discussed"


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("equals", "muslim", True),
        ("not_equals", "muslim", False),
        ("in", ["sikh", "muslim"], True),
        ("not_in", ["sikh"], True),
    ],
)
def test_value_ops(op, value, expected):
    cond = Condition(question="faith.religion", op=op, value=value)
    assert cond.evaluate(_answers(faith__religion="muslim")) is expected


def test_silence_never_satisfies_a_value_test():
    # not_equals on a question nobody asked must not read as "anything but X".
    assert Condition(question="faith.religion", op="not_equals", value="muslim").evaluate({}) is False
    declined = {"faith.religion": Answer(question_id="faith.religion", status="declined")}
    assert Condition(question="faith.religion", op="not_in", value=["sikh"]).evaluate(declined) is False
    assert Condition(question="faith.religion", op="status", value="declined").evaluate(declined) is True


def test_multi_and_number_ops():
    answers = _answers(trauma__experiences=["bereavement", "care_experience"], person__age=22)
    assert Condition(question="trauma.experiences", op="includes", value="bereavement").evaluate(answers)
    assert (
        Condition(question="trauma.experiences", op="includes_any", value=["war_or_displacement"]).evaluate(answers)
        is False
    )
    assert Condition(question="person.age", op="lte", value=25).evaluate(answers)
    assert Condition(question="person.age", op="gt", value=25).evaluate(answers) is False


def test_combinations_and_the_not_alias():
    cond = Condition.model_validate(
        {
            "all": [
                {"question": "person.age", "op": "gte", "value": 18},
                {"not": {"question": "trauma.experiences", "op": "includes", "value": "bereavement"}},
            ]
        }
    )
    assert cond.evaluate(_answers(person__age=30)) is True
    assert cond.question_ids() == ["person.age", "trauma.experiences"]
    assert cond.codes() == [("trauma.experiences", "bereavement")]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"question": "a.b"},
        {"question": "a.b", "op": "in", "value": "x"},
        {"question": "a.b", "op": "status", "value": "no_issues"},
        {"question": "a.b", "op": "equals", "value": 1, "any": []},
    ],
)
def test_malformed_conditions_are_refused(bad):
    with pytest.raises(ValidationError):
        Condition.model_validate(bad)
