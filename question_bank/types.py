"""The registry of question types. A new type is one class registered here.

Each type knows what a well-formed question of its kind is and how to grade an
answer. Answers and correct answers are sets of option indices (in the
question's original order, never the shuffled order a candidate saw).
"""

from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l

MAX_OPTIONS = 6  # the template's 选项A–选项F


class QuestionTypeError(ValueError):
    pass


class QuestionType:
    name: ClassVar[str]
    label: ClassVar[object]
    min_options: ClassVar[int] = 2
    max_options: ClassVar[int] = MAX_OPTIONS
    shuffle_options: ClassVar[bool] = True

    @classmethod
    def validate(cls, options: list[str], correct: list[int]) -> None:
        """Raise QuestionTypeError with a reason when the question is malformed."""
        if not cls.min_options <= len(options) <= cls.max_options:
            raise QuestionTypeError(
                _l(
                    "%(type)s needs %(min)d to %(max)d options, not %(n)d.",
                    type=cls.label,
                    min=cls.min_options,
                    max=cls.max_options,
                    n=len(options),
                )
            )
        if any(not (text or "").strip() for text in options):
            raise QuestionTypeError(_l("An option is empty."))
        if len({o.strip() for o in options}) != len(options):
            raise QuestionTypeError(_l("Two options have the same text."))
        if (
            not correct
            or any(not 0 <= i < len(options) for i in correct)
            or len(set(correct)) != len(correct)
        ):
            raise QuestionTypeError(_l("The correct answer must name existing options."))
        cls.validate_correct(correct)

    @classmethod
    def validate_correct(cls, correct: list[int]) -> None:
        if len(correct) != 1:
            raise QuestionTypeError(_l("%(type)s has exactly one correct answer.", type=cls.label))

    @classmethod
    def grade(cls, correct: list[int], answer: list[int], points: float, partial: bool = False) -> float:
        return points if set(answer) == set(correct) else 0.0


REGISTRY: dict[str, type[QuestionType]] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    REGISTRY[cls.name] = cls
    return cls


def get(name: str) -> type[QuestionType]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise QuestionTypeError(_l("Unknown question type %(name)s.", name=name)) from None


@register
class TrueFalse(QuestionType):
    """判断题: two options, the true statement's word first; never shuffled."""

    name = "true_false"
    label = _l("True/false")
    min_options = max_options = 2
    shuffle_options = False


@register
class SingleChoice(QuestionType):
    """单选题."""

    name = "single_choice"
    label = _l("Single choice")


@register
class MultipleChoice(QuestionType):
    """多选题: all-or-nothing by default; with ``partial`` each right choice earns its share
    and any wrong choice earns nothing (a common provincial rule, set per blueprint)."""

    name = "multiple_choice"
    label = _l("Multiple choice")

    @classmethod
    def validate_correct(cls, correct: list[int]) -> None:
        if len(correct) < 2:
            raise QuestionTypeError(
                _l("A multiple-choice question has at least two correct answers; use single choice for one.")
            )

    @classmethod
    def grade(cls, correct: list[int], answer: list[int], points: float, partial: bool = False) -> float:
        chosen, right = set(answer), set(correct)
        if chosen == right:
            return points
        if partial and chosen and chosen < right:
            return round(points * len(chosen) / len(right), 2)
        return 0.0


def labels() -> dict[str, str]:
    """Each type's name shown to people, in the registry's order (the order of a paper's
    sections: 判断题, 单选题, 多选题)."""
    return {name: str(cls.label) for name, cls in REGISTRY.items()}
