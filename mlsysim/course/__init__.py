"""Coursework: exercises with self-checks, quizzes, per-student variants and an autograder.

In a notebook::

    from mlsysim.course import Draw, variant, NumericExercise, ChoiceExercise, Quiz, Question, TrueFalse

Instructor commands (see ``book/instructors.md``)::

    python -m mlsysim.course assign --notebook book/x.ipynb --roster roster.csv --out dist/ --seed 2026
    python -m mlsysim.course grade --submissions submitted/ --params dist/params.json --out grades.csv

Importing this package is light: the quiz widgets (ipywidgets) and the kernel machinery (nbclient)
load only when used.
"""
from .exercises import (
    ChoiceCheck,
    ChoiceExercise,
    Draw,
    NumericCheck,
    NumericExercise,
    Variant,
    compare_numeric,
    variant,
)

__all__ = [
    "ChoiceCheck",
    "ChoiceExercise",
    "Draw",
    "NumericCheck",
    "NumericExercise",
    "Question",
    "Quiz",
    "TrueFalse",
    "Variant",
    "compare_numeric",
    "variant",
]


def __getattr__(name):
    if name in ("Quiz", "Question", "TrueFalse"):
        from . import quiz

        return getattr(quiz, name)
    raise AttributeError(f"module 'mlsysim.course' has no attribute {name!r}")
