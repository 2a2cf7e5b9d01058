"""GIFT, Moodle's plain-text question format, read and written the way Moodle's ``qformat_gift`` does.

Questions are separated by blank lines; ``//`` lines are comments; ``$CATEGORY: path`` switches the
category; ``::title::`` is our external id; ``[html]``/``[moodle]``/``[plain]``/``[markdown]`` mark a
text's format; ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n`` are escapes. The answer block ``{…}`` says
the kind: ``{T}``/``{FALSE}`` true/false, ``{=right ~wrong}`` single choice, ``{~%50%A ~%50%B ~%-100%C}``
multiple response, ``####text`` the general feedback (our explanation). A missing-word question (text
after the answer block) keeps its text around a blank ``（  ）``. Essay, numerical, matching, short
answer and description questions are skipped with a reason.

What GIFT has no place for (knowledge point, difficulty, applies-to codes, points) travels in one
comment line before the question, ``// qb: {"knowledge_point": …}``, which Moodle ignores.
"""

from __future__ import annotations

import json
import math
import re

from flask_babel import lazy_gettext as _l

from .. import types
from ..data import Issue, ParseResult, QuestionData
from .common import (
    UnknownAppliesTo,
    _html_to_text,
    _is_plain_html,
    _text_to_html,
    applies_to_codes,
    applies_to_error,
    category_path,
    html_losses,
    line_item,
    loss_note,
    parse_difficulty,
    sanitise_html,
    valid_grade,
)

__all__ = ["parse", "write"]

TRUE_FALSE_OPTIONS = ["对", "错"]
BLANK = "（  ）"  # where the answer block of a missing-word question stood
META_PREFIX = "// qb:"
FEEDBACK_KINDS = ("correct", "partially_correct", "incorrect")

# Escaped characters are replaced by private-use placeholders while the structure is read,
# as Moodle's escapedchar_pre/escapedchar_post do, and restored in the texts afterwards.
_PLACEHOLDER = {c: chr(0xF0000 + ord(c)) for c in ":#={}~"}
_PLACEHOLDER["n"] = chr(0xF000A)
_RESTORE = {ord(p): ("\n" if c == "n" else c) for c, p in _PLACEHOLDER.items()}
_ESCAPE_IN = re.compile(r"\\([\\:#={}~n])")
_ESCAPE_OUT = re.compile(r"[\\:#={}~\n]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FORMAT_MARK = re.compile(r"\[(moodle|html|plain|markdown)\]")
_WEIGHT = re.compile(r"%(-?\d{1,3}(?:\.\d*)?)%")
_TF_WORDS = {"T": 0, "TRUE": 0, "F": 1, "FALSE": 1}


# --- text helpers (shared with moodle_xml) -------------------------------------------------------


def _validate(qtype: str, options: list[str], correct: list[int]) -> object | None:
    """The reason the question is malformed, or None."""
    try:
        types.get(qtype).validate(options, correct)
    except types.QuestionTypeError as err:
        return err.args[0]
    return None


# --- reading ---------------------------------------------------------------------------------------


def _protect(text: str) -> str:
    return _ESCAPE_IN.sub(lambda m: "\\" if m.group(1) == "\\" else _PLACEHOLDER[m.group(1)], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _text_with_format(raw: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: an optional leading ``[format]``, escapes restored, trimmed."""
    fmt = default
    raw = raw.lstrip()
    mark = _FORMAT_MARK.match(raw)
    if mark:
        fmt, raw = mark.group(1), raw[mark.end() :]
    return _restore(raw).strip(), fmt


def _as_plain(text: str, fmt: str) -> str:
    return _html_to_text(text) if fmt == "html" else text


class _Choice:
    """One answer of a choice question as the file has it."""

    def __init__(
        self, text: str, fmt: str, weight: float | None, feedback: str, feedback_fmt: str, marked_right: bool
    ) -> None:
        self.text, self.fmt, self.weight = text, fmt, weight
        self.feedback, self.feedback_fmt, self.marked_right = feedback, feedback_fmt, marked_right


def _keep_html(pieces: list[tuple[str, str]], links: bool = False) -> tuple[list[str], str]:
    """Texts in their formats as one format: HTML (sanitised) when any of them has markup,
    else plain text, so that an image in an answer stays an image."""
    if any(fmt == "html" and not _is_plain_html(text) for text, fmt in pieces):
        return [
            sanitise_html(text, links) if fmt == "html" else _text_to_html(text) for text, fmt in pieces
        ], "html"
    return [_as_plain(text, fmt) for text, fmt in pieces], "text"


def _feedback_html(text: str, fmt: str) -> str:
    """An answer's feedback as the bank keeps it: HTML."""
    if not text:
        return ""
    return sanitise_html(text, links=True) if fmt == "html" else _text_to_html(text)


class _Reader:
    def __init__(self) -> None:
        self.result = ParseResult()
        self.category = ""

    def block(self, lines: list[tuple[int, str]], last: bool = False) -> None:
        meta_lines: list[str] = []
        body: list[tuple[int, str]] = []
        for number, line in lines:
            if line.startswith("//"):
                if line.startswith(META_PREFIX):
                    meta_lines.append(line[len(META_PREFIX) :])
            else:
                body.append((number, line))
        if body and body[0][1].startswith("$CATEGORY:"):
            self.category = category_path(body[0][1][len("$CATEGORY:") :])
            body = body[1:]
        if body:
            self.question(body[0][0], "\n".join(line for _, line in body), meta_lines, last)

    def question(self, number: int, text: str, meta_lines: list[str], last: bool = False) -> None:
        item, title = line_item(number), ""
        text = _protect(text)
        if text.startswith("::"):  # a title; without its closing "::", Moodle reads on without one
            text = text[2:]
            end = text.find("::")
            if end != -1:
                title, text = _restore(text[:end]).strip(), text[end + 2 :].strip()
                if title:
                    item = line_item(number, title)

        def error(reason: object) -> None:
            self.result.errors.append(Issue(item, reason))

        def skip(kind: str) -> None:
            self.result.skipped.append(
                Issue(
                    item,
                    _l(
                        "Moodle question type %(type)s is not supported; the question was skipped.", type=kind
                    ),
                )
            )

        start, end = text.find("{"), text.find("}")
        if start == -1 and end == -1:
            skip("description")
            return
        if last and start != -1 and end == -1:
            error(
                _l(
                    "The file ends inside this question: it seems incomplete (cut off). "
                    "Upload the whole file again."
                )
            )
            return
        if (
            start == -1
            or end == -1
            or end < start
            or "{" in text[start + 1 : end]
            or "{" in text[end + 1 :]
            or "}" in text[end + 1 :]
        ):
            error(_l("The braces { } around the answers do not match."))
            return
        answers = text[start + 1 : end].strip()
        after = text[end + 1 :]
        question_text = text[:start] + (BLANK + after if after.strip() else "")
        feedback = ""
        split = answers.rfind("####")
        if split != -1:
            answers, feedback = answers[:split].strip(), answers[split + 4 :]
        stem, fmt = _text_with_format(question_text, "moodle")
        explanation, feedback_fmt = _text_with_format(feedback, fmt)
        lost = html_losses(stem) if fmt == "html" else []
        if feedback_fmt == "html":
            lost += html_losses(explanation, links=True)
        (explanation,), explanation_format = _keep_html([(explanation, feedback_fmt)], links=True)

        option_feedback: list[str] = []
        if not answers:
            skip("essay")
            return
        if answers.startswith("#"):
            skip("numerical")
            return
        if "~" in answers:
            choices = self.choices(answers, fmt)
            bad = [c.weight for c in choices if c.weight is not None and not valid_grade(c.weight * 100)]
            if bad:
                error(
                    _l(
                        "The grade %(grade)s%% is not one Moodle allows (such as 100, 50, 33.33333, 25).",
                        grade=_percent(bad[0] * 100),
                    )
                )
                return
            parsed = self.kind(choices)
            if isinstance(parsed, str):
                self.result.skipped.append(Issue(item, parsed))
                return
            if parsed is None:
                error(_l("No answer is marked correct."))
                return
            qtype, correct = parsed
            options, options_format = _keep_html([(c.text, c.fmt) for c in choices])
            option_feedback = [_feedback_html(c.feedback, c.feedback_fmt) for c in choices]
            for c in choices:
                lost += html_losses(c.text) if c.fmt == "html" else []
                lost += html_losses(c.feedback, links=True) if c.feedback_fmt == "html" else []
        elif "=" in answers and "->" in answers:
            skip("matching")
            return
        else:
            word, *notes = answers.split("#")
            word = word.strip()
            if word not in _TF_WORDS:
                skip("shortanswer")
                return
            qtype, options, correct = "true_false", list(TRUE_FALSE_OPTIONS), [_TF_WORDS[word]]
            options_format = "text"
            # {FALSE#shown to whoever is wrong#shown to whoever is right}
            wrong_fb, right_fb = (_feedback_html(*_text_with_format(n, fmt)) for n in [*notes, "", ""][:2])
            if wrong_fb or right_fb:
                option_feedback = [right_fb, wrong_fb] if correct == [0] else [wrong_fb, right_fb]

        if fmt == "html":
            stem, stem_format = sanitise_html(stem), "html"
        else:
            stem_format = "text"
        if not stem:
            error(_l("The question text is empty."))
            return
        reason = _validate(qtype, options, correct)
        if reason is not None:
            error(reason)
            return
        question = QuestionData(
            type=qtype,
            stem=stem,
            options=options,
            correct=correct,
            stem_format=stem_format,
            explanation=explanation,
            explanation_format=explanation_format,
            category=self.category,
            title=title,
            options_format=options_format,
            option_feedback=option_feedback if any(option_feedback) else [],
            source=item,
        )
        for raw in meta_lines:
            reason = _apply_meta(question, raw)
            if reason is not None:
                error(reason)
                return
        if lost:
            self.result.notes.append(Issue(item, loss_note(lost)))
        self.result.questions.append(question)

    @staticmethod
    def choices(answers: str, fmt: str) -> list[_Choice]:
        parts = answers.replace("=", "~=").split("~")
        parts[0] = parts[0].strip()
        if not parts[0]:
            parts.pop(0)
        choices = []
        for part in parts:
            part = part.strip()
            weight: float | None = None
            right = part.startswith("=")
            if right:
                part = part[1:]
                weight = 1.0
            if mark := _WEIGHT.match(part):
                weight, part = float(mark.group(1)) / 100, part[mark.end() :]
            answer, _, feedback = part.partition("#")
            text, answer_fmt = _text_with_format(answer, fmt)
            note, note_fmt = _text_with_format(feedback, fmt)
            choices.append(_Choice(text, answer_fmt, weight, note, note_fmt, right))
        return choices

    @staticmethod
    def kind(choices: list[_Choice]) -> tuple[str, list[int]] | str | None:
        """(type, correct), a reason to skip the question, or None when nothing is right."""
        weights = [c.weight or 0.0 for c in choices]
        if any(c.marked_right for c in choices):
            correct = [i for i, c in enumerate(choices) if c.marked_right and weights[i] >= 0.99999]
            if any(0 < w < 0.99999 for w in weights):
                return str(
                    _l(
                        "Partial credit on a single-answer question (an answer worth %(w)s%%) "
                        "cannot be kept here: the question was skipped.",
                        w=_percent(100 * next(w for w in weights if 0 < w < 0.99999)),
                    )
                )
            if len(correct) > 1:
                return ("single_choice", correct)  # validate() says what is wrong
            return ("single_choice", correct) if correct else None
        correct = [i for i, w in enumerate(weights) if w > 0]
        if not correct:
            return None
        if len(correct) == 1 and weights[correct[0]] >= 0.99999:
            return "single_choice", correct
        shares = {round(weights[i], 4) for i in correct}
        if len(shares) > 1 or abs(sum(weights[i] for i in correct) - 1) > 0.001:
            return str(
                _l(
                    "The right answers carry unequal or incomplete shares of the grade (%(w)s); "
                    "this bank gives each right answer an equal share: the question was skipped.",
                    w=", ".join(_percent(100 * weights[i]) + "%" for i in correct),
                )
            )
        return "multiple_choice", correct


def _apply_meta(question: QuestionData, raw: str) -> object | None:
    """Fill the fields of a ``// qb:`` comment in; the reason it is malformed, or None."""
    bad = _l("The // qb: comment line is not a valid JSON object.")
    try:
        meta = json.loads(raw)
    except ValueError:
        return bad
    if not isinstance(meta, dict):
        return bad
    knowledge_point = meta.get("knowledge_point", "")
    applies_to = meta.get("applies_to", [])
    points = meta.get("points")
    idnumber = meta.get("idnumber", "")
    shuffle = meta.get("shuffle", True)
    feedback = meta.get("feedback", {})
    if (
        not isinstance(idnumber, str)
        or not isinstance(shuffle, bool)
        or not isinstance(feedback, dict)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in feedback.items())
    ):
        return bad
    if isinstance(applies_to, str):
        applies_to = [applies_to]
    if (
        not isinstance(knowledge_point, str)
        or not isinstance(applies_to, list)
        or not all(isinstance(code, str) for code in applies_to)
        or not (
            points is None
            or (
                isinstance(points, int | float)
                and not isinstance(points, bool)
                and math.isfinite(points)
                and points >= 0
            )
        )
    ):
        return bad
    try:
        difficulty = parse_difficulty(meta.get("difficulty"))
    except ValueError:
        return _l(
            "The difficulty %(value)s is not 1–5 or one of 易, 较易, 中等, 较难, 难.",
            value=meta.get("difficulty"),
        )
    try:
        codes = applies_to_codes([code.strip() for code in applies_to if code.strip()])
    except UnknownAppliesTo as exc:
        return applies_to_error(exc.args[0])
    question.knowledge_point = knowledge_point.strip()
    question.difficulty = difficulty
    question.applies_to = codes
    question.points = None if points is None else float(points)
    question.external_id = idnumber.strip()
    question.shuffle = shuffle
    question.feedback = {k: v for k, v in feedback.items() if k in FEEDBACK_KINDS and v}
    return None


def parse(data: bytes) -> ParseResult:
    if not data.strip():
        return ParseResult(errors=[Issue("file", _l("The file is empty."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParseResult(
            errors=[Issue("file", _l("The file is not UTF-8 text; save it as UTF-8 and upload it again."))]
        )
    reader = _Reader()
    block: list[tuple[int, str]] = []
    lines = _LINE_BREAK.split(text)
    final = max((n for n, line in enumerate(lines, start=1) if line.strip()), default=0)
    for number, line in enumerate([*lines, ""], start=1):
        line = line.strip()
        if line:
            block.append((number, line))
        elif block:
            reader.block(block, last=block[-1][0] == final)
            block = []
    result = reader.result
    if not (result.questions or result.skipped or result.errors):
        result.errors.append(Issue("file", _l("No questions were found in the file.")))
    return result


# --- writing ---------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Moodle's repchar: the GIFT control characters escaped, line breaks as ``\\n``, CR dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "")
    return _ESCAPE_OUT.sub(lambda m: "\\n" if m.group() == "\n" else "\\" + m.group(), text)


def _piece(text: str, is_html: bool) -> str:
    """An answer or feedback in the question's format; a format mark keeps a leading ``[`` or ``%``
    from being read as a format or a weight."""
    body = _escape(_text_to_html(text) if is_html else text)
    if body.startswith(("[", "%")):
        body = ("[html]" if is_html else "[moodle]") + body
    return body


def _percent(value: float) -> str:
    """A fraction the way Moodle writes it: 50, 33.33333, -100."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _meta(question: QuestionData) -> dict:
    """What GIFT has no place for, in the ``// qb:`` comment line."""
    meta: dict = {}
    if question.external_id:
        meta["idnumber"] = question.external_id
    if question.knowledge_point:
        meta["knowledge_point"] = question.knowledge_point
    if question.difficulty is not None:
        meta["difficulty"] = question.difficulty
    if question.applies_to:
        meta["applies_to"] = list(question.applies_to)
    if question.points is not None:
        meta["points"] = question.points
    if not question.shuffle:
        meta["shuffle"] = False
    if question.feedback:
        meta["feedback"] = dict(question.feedback)
    return meta


def _html_piece(html_text: str) -> str:
    return "[html]" + _escape(html_text)


def _write_question(question: QuestionData) -> str:
    out = []
    meta = _meta(question)
    if meta:
        out.append(f"{META_PREFIX} {json.dumps(meta, ensure_ascii=False)}\n")
    is_html = question.stem_format == "html"
    title = question.external_id or question.title
    head = f"::{_escape(title)}::" if title else ""
    if is_html:
        stem = "[html]" + _escape(question.stem)
    else:
        stem = _escape(question.stem)
        if stem.startswith(("[", "//")):
            stem = "[moodle]" + stem
    if question.explanation_format == "html":
        feedback = "####" + _html_piece(question.explanation)
    else:
        feedback = "####" + _piece(question.explanation, is_html) if question.explanation else ""
    notes = list(question.option_feedback) + [""] * (len(question.options) - len(question.option_feedback))

    def note(index: int) -> str:
        return "#" + _html_piece(notes[index]) if notes[index] else ""

    if question.type == "true_false":
        right = question.correct[0]
        tf = ("#" + _html_piece(notes[1 - right]) + "#" + _html_piece(notes[right])) if any(notes) else ""
        out.append(f"{head}{stem}{{{'TRUE' if right == 0 else 'FALSE'}{tf}{feedback}}}\n")
        return "".join(out)
    out.append(f"{head}{stem}{{\n")
    correct = set(question.correct)
    share = _percent(100 / len(correct)) if correct else "100"
    for index, option in enumerate(question.options):
        if question.type == "multiple_choice":
            mark = f"~%{share}%" if index in correct else "~%-100%"
        else:
            mark = "=" if index in correct else "~"
        text = _html_piece(option) if question.options_format == "html" else _piece(option, is_html)
        out.append(f"\t{mark}{text}{note(index)}\n")
    if feedback:
        out.append(f"\t{feedback}\n")
    out.append("}\n")
    return "".join(out)


def write(questions: list[QuestionData]) -> bytes:
    chunks = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: $course$/top{'/' + category if category else ''}\n")
        chunks.append(_write_question(question))
    return "\n".join(chunks).encode("utf-8")
