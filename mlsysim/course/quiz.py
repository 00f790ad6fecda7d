"""Self-check quizzes: multiple-choice and true/false questions as small ipywidgets.

``Quiz("Check your understanding", [Question(...), TrueFalse(...)])`` is a ``VBox``: per question a
prompt, radio buttons, a *Check* button and a feedback line that shows ✔/✘ and a short
explanation after the student answers.  It needs a running kernel; on the static website the
questions and options still show (saved widget state), and :meth:`Quiz.answers_html` gives a
collapsed ``<details>`` box with the answers and explanations for readers without a kernel.

Testable without a browser: ``quiz.answer(0, "doubles")`` (or set ``quiz.choices[0].value`` and
call ``quiz.buttons[0].click()``) and read ``quiz.feedback[0].value``.
"""
from __future__ import annotations

import html

import ipywidgets as W

__all__ = ["Question", "Quiz", "TrueFalse"]


class Question:
    """One multiple-choice question: ``answer`` is the correct option (its text or its index)."""

    def __init__(self, prompt: str, options, answer, explain: str):
        self.prompt, self.options, self.explain = str(prompt), [str(o) for o in options], str(explain)
        if len(self.options) < 2 or len(set(self.options)) != len(self.options):
            raise ValueError(f"question {prompt[:40]!r}: give at least two distinct options")
        if isinstance(answer, int) and not isinstance(answer, bool):
            if not 0 <= answer < len(self.options):
                raise ValueError(f"question {prompt[:40]!r}: answer index {answer} is out of range")
            self.answer = self.options[answer]
        else:
            if str(answer) not in self.options:
                raise ValueError(f"question {prompt[:40]!r}: answer {answer!r} is not one of the options")
            self.answer = str(answer)
        if not self.explain.strip():
            raise ValueError(f"question {prompt[:40]!r}: give a short explanation")

    def feedback(self, choice) -> str:
        """Feedback text (HTML) for ``choice``; empty choice asks for one."""
        if choice is None:
            return "<span class='mlsysim-quiz-none'>Choose an answer first.</span>"
        if choice == self.answer:
            return (f"<span class='mlsysim-quiz-right' style='color:#1e7b34'>✔ Correct.</span> "
                    f"{html.escape(self.explain)}")
        return (f"<span class='mlsysim-quiz-wrong' style='color:#b03a2e'>✘ Not quite — the answer is "
                f"“{html.escape(self.answer)}”.</span> {html.escape(self.explain)}")


class TrueFalse(Question):
    """A true/false statement."""

    def __init__(self, statement: str, answer: bool, explain: str):
        super().__init__(statement, ["True", "False"], "True" if answer else "False", explain)


class Quiz(W.VBox):
    """The quiz widget (see the module docstring)."""

    def __init__(self, title: str, questions, note: bool = True):
        self.title, self.questions = str(title), list(questions)
        if not self.questions:
            raise ValueError("a quiz needs at least one question")
        self.choices: list[W.RadioButtons] = []
        self.buttons: list[W.Button] = []
        self.feedback: list[W.HTML] = []
        children = [W.HTML(f"<b>{html.escape(self.title)}</b>")]
        for i, q in enumerate(self.questions):
            radio = W.RadioButtons(options=q.options, value=None, layout=W.Layout(width="auto"))
            button = W.Button(description="Check", layout=W.Layout(width="90px"))
            out = W.HTML(layout=W.Layout(margin="0 0 8px 0"))
            button.on_click(lambda _b, i=i: self._check(i))
            radio.observe(lambda _c, i=i: setattr(self.feedback[i], "value", ""), names="value")
            self.choices.append(radio)
            self.buttons.append(button)
            self.feedback.append(out)
            children += [W.HTMLMath(f"{i + 1}. {html.escape(q.prompt)}"), radio, button, out]
        if note:
            children.append(W.HTML("<small>The Check buttons need a running kernel (JupyterLab). "
                                   "Reading the website? The answers and explanations are in the "
                                   "collapsed box below.</small>"))
        super().__init__(children=children, layout=W.Layout(border="1px solid #d9dde3",
                                                            padding="8px", margin="8px 0"))
        self.add_class("mlsysim-quiz")

    def _check(self, i):
        self.feedback[i].value = self.questions[i].feedback(self.choices[i].value)

    def answer(self, i: int, choice) -> str:
        """Choose ``choice`` for question ``i`` (text or index), press Check, return the feedback."""
        q = self.questions[i]
        self.choices[i].value = q.options[choice] if isinstance(choice, int) else choice
        self.buttons[i].click()
        return self.feedback[i].value

    def score(self) -> int:
        return sum(c.value == q.answer for c, q in zip(self.choices, self.questions))

    def answers_html(self):
        """A collapsed box with every answer and explanation (for readers without a kernel)."""
        from IPython.display import HTML

        items = "".join(f"<li><p>{html.escape(q.prompt)}</p><p><b>Answer:</b> {html.escape(q.answer)}. "
                        f"{html.escape(q.explain)}</p></li>" for q in self.questions)
        return HTML(f"<details class='mlsysim-quiz-answers'><summary>Answers and explanations: "
                    f"{html.escape(self.title)}</summary><ol>{items}</ol></details>")

    def __repr__(self):
        return f"Quiz({self.title!r}: {len(self.questions)} questions)"
