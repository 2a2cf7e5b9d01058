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

import html
import json
import math
import re
from html.parser import HTMLParser

from flask_babel import lazy_gettext as _l

from .. import types
from ..data import Issue, ParseResult, QuestionData
from .common import category_path, parse_difficulty, sanitise_html

__all__ = ["parse", "write"]

TRUE_FALSE_OPTIONS = ["对", "错"]
BLANK = "（  ）"  # where the answer block of a missing-word question stood
META_PREFIX = "// qb:"

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
_HTML_TAG = re.compile(r"</?([a-zA-Z][^\s/>]*)|<!|<\?")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


# --- text helpers (shared with moodle_xml) -------------------------------------------------------

def _text_to_html(text: str) -> str:
    """Plain text as HTML that shows the same: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\r", "&#13;").replace("\n", "<br>")


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "blockquote", "dt", "dd", "section", "article", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "br" or tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def text(self) -> str:
        lines = ("".join(self.parts).replace("\xa0", " ")).split("\n")
        return "\n".join(line.strip() for line in lines if line.strip())


def _is_plain_html(fragment: str) -> bool:
    """Whether HTML has no markup but ``<br>``, as ``_text_to_html`` makes it."""
    return {(m.group(1) or "!").lower() for m in _HTML_TAG.finditer(fragment)} <= {"br"}


def _html_to_text(fragment: str) -> str:
    """HTML as plain text. HTML without markup but ``<br>`` (what ``_text_to_html`` makes) is read
    back exactly; real markup is flattened as a browser would show it."""
    if _is_plain_html(fragment):
        return html.unescape(_BR.sub("\n", fragment)).strip()
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return extractor.text()


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
    mark = _FORMAT_MARK.match(raw)
    if mark:
        fmt, raw = mark.group(1), raw[mark.end():]
    return _restore(raw).strip(), fmt


def _as_plain(text: str, fmt: str) -> str:
    return _html_to_text(text) if fmt == "html" else text


class _Reader:
    def __init__(self) -> None:
        self.result = ParseResult()
        self.category = ""

    def block(self, lines: list[tuple[int, str]]) -> None:
        meta_lines: list[str] = []
        body: list[tuple[int, str]] = []
        for number, line in lines:
            if line.startswith("//"):
                if line.startswith(META_PREFIX):
                    meta_lines.append(line[len(META_PREFIX):])
            else:
                body.append((number, line))
        if body and body[0][1].startswith("$CATEGORY:"):
            self.category = category_path(body[0][1][len("$CATEGORY:"):])
            body = body[1:]
        if body:
            self.question(body[0][0], "\n".join(line for _, line in body), meta_lines)

    def question(self, number: int, text: str, meta_lines: list[str]) -> None:
        item, title = f"line {number}", ""
        text = _protect(text)
        if text.startswith("::"):  # a title; without its closing "::", Moodle reads on without one
            text = text[2:]
            end = text.find("::")
            if end != -1:
                title, text = _restore(text[:end]).strip(), text[end + 2:].strip()
                if title:
                    item = f"line {number} ({title})"

        def error(reason: object) -> None:
            self.result.errors.append(Issue(item, reason))

        def skip(kind: str) -> None:
            self.result.skipped.append(Issue(item, _l("Moodle question type %(type)s is not supported; "
                                                      "the question was skipped.", type=kind)))

        start, end = text.find("{"), text.find("}")
        if start == -1 and end == -1:
            skip("description")
            return
        if (start == -1 or end == -1 or end < start or "{" in text[start + 1:end]
                or "{" in text[end + 1:] or "}" in text[end + 1:]):
            error(_l("The braces { } around the answers do not match."))
            return
        answers = text[start + 1:end].strip()
        after = text[end + 1:]
        question_text = text[:start] + (BLANK + after if after.strip() else "")
        feedback = ""
        split = answers.rfind("####")
        if split != -1:
            answers, feedback = answers[:split].strip(), answers[split + 4:]
        stem, fmt = _text_with_format(question_text, "moodle")
        explanation, feedback_fmt = _text_with_format(feedback, fmt)
        explanation = _as_plain(explanation, feedback_fmt)

        if not answers:
            skip("essay")
            return
        if answers.startswith("#"):
            skip("numerical")
            return
        if "~" in answers:
            parsed = self.choices(answers, fmt)
            if parsed is None:
                error(_l("No answer is marked correct."))
                return
            qtype, options, correct = parsed
        elif "=" in answers and "->" in answers:
            skip("matching")
            return
        else:
            word = answers.split("#", 1)[0].strip() if answers.find("#") > 0 else answers
            if word not in _TF_WORDS:
                skip("shortanswer")
                return
            qtype, options, correct = "true_false", list(TRUE_FALSE_OPTIONS), [_TF_WORDS[word]]

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
        question = QuestionData(type=qtype, stem=stem, options=options, correct=correct,
                                stem_format=stem_format, explanation=explanation,
                                category=self.category, external_id=title)
        for raw in meta_lines:
            reason = _apply_meta(question, raw)
            if reason is not None:
                error(reason)
                return
        self.result.questions.append(question)

    @staticmethod
    def choices(answers: str, fmt: str) -> tuple[str, list[str], list[int]] | None:
        single = "=" in answers
        parts = answers.replace("=", "~=").split("~")
        parts[0] = parts[0].strip()
        if not parts[0]:
            parts.pop(0)
        options: list[str] = []
        weights: list[float] = []
        for part in parts:
            part = part.strip()
            weight = 0.0
            if part.startswith("="):
                weight, part = 1.0, part[1:]
            elif mark := _WEIGHT.match(part):
                weight, part = float(mark.group(1)) / 100, part[mark.end():]
            text, answer_fmt = _text_with_format(part.split("#", 1)[0], fmt)
            options.append(_as_plain(text, answer_fmt))
            weights.append(weight)
        if single:
            correct = [i for i, w in enumerate(weights) if w >= 0.99999]
            return ("single_choice", options, correct) if correct else None
        correct = [i for i, w in enumerate(weights) if w > 0]
        if not correct:
            return None
        if len(correct) == 1 and weights[correct[0]] >= 0.99999:
            return "single_choice", options, correct
        return "multiple_choice", options, correct


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
    if isinstance(applies_to, str):
        applies_to = [applies_to]
    if (not isinstance(knowledge_point, str) or not isinstance(applies_to, list)
            or not all(isinstance(code, str) for code in applies_to)
            or not (points is None or (isinstance(points, int | float) and not isinstance(points, bool)
                                       and math.isfinite(points) and points >= 0))):
        return bad
    try:
        difficulty = parse_difficulty(meta.get("difficulty"))
    except ValueError:
        return _l("The difficulty %(value)s is not 1–5 or one of 易, 较易, 中等, 较难, 难.",
                  value=meta.get("difficulty"))
    question.knowledge_point = knowledge_point.strip()
    question.difficulty = difficulty
    question.applies_to = [code.strip() for code in applies_to if code.strip()]
    question.points = None if points is None else float(points)
    return None


def parse(data: bytes) -> ParseResult:
    if not data.strip():
        return ParseResult(errors=[Issue("file", _l("The file is empty."))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParseResult(errors=[Issue("file", _l("The file is not UTF-8 text; save it as UTF-8 and "
                                                    "upload it again."))])
    reader = _Reader()
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*_LINE_BREAK.split(text), ""], start=1):
        line = line.strip()
        if line:
            block.append((number, line))
        elif block:
            reader.block(block)
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
    meta: dict = {}
    if question.knowledge_point:
        meta["knowledge_point"] = question.knowledge_point
    if question.difficulty is not None:
        meta["difficulty"] = question.difficulty
    if question.applies_to:
        meta["applies_to"] = list(question.applies_to)
    if question.points is not None:
        meta["points"] = question.points
    return meta


def _write_question(question: QuestionData) -> str:
    out = []
    meta = _meta(question)
    if meta:
        out.append(f"{META_PREFIX} {json.dumps(meta, ensure_ascii=False)}\n")
    is_html = question.stem_format == "html"
    head = f"::{_escape(question.external_id)}::" if question.external_id else ""
    if is_html:
        stem = "[html]" + _escape(question.stem)
    else:
        stem = _escape(question.stem)
        if stem.startswith(("[", "//")):
            stem = "[moodle]" + stem
    feedback = "####" + _piece(question.explanation, is_html) if question.explanation else ""
    if question.type == "true_false":
        out.append(f"{head}{stem}{{{'TRUE' if question.correct == [0] else 'FALSE'}{feedback}}}\n")
        return "".join(out)
    out.append(f"{head}{stem}{{\n")
    correct = set(question.correct)
    share = _percent(100 / len(correct)) if correct else "100"
    for index, option in enumerate(question.options):
        if question.type == "multiple_choice":
            mark = f"~%{share}%" if index in correct else "~%-100%"
        else:
            mark = "=" if index in correct else "~"
        out.append(f"\t{mark}{_piece(option, is_html)}\n")
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
