"""Moodle XML, read and written the way Moodle's ``qformat_xml`` does.

Read: ``<question type="category">`` switches the category; ``multichoice`` (``<single>``) and
``truefalse`` become our three types; every other Moodle type is skipped with its name. The parser is
defusedxml's: a DTD, entity declarations or external references are refused, never expanded.

Written: a ``<quiz>`` as Moodle's exporter writes it, with the knowledge point, difficulty and
applies-to codes as Moodle tags ``kp:…``, ``difficulty:3`` and ``applies:CODE``.
"""

from __future__ import annotations

import html
import math
import mimetypes
import re
import xml.etree.ElementTree as StdElementTree
from urllib.parse import quote
from xml.parsers.expat import errors as _expat_errors
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l

from ..data import Issue, ParseResult, QuestionData
from .common import (
    UnknownAppliesTo,
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
from .gift import TRUE_FALSE_OPTIONS, _html_to_text, _is_plain_html, _percent, _text_to_html, _validate

__all__ = ["parse", "write"]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLUGINFILE = "@@PLUGINFILE@@/"
NAME_LENGTH = 40
_DECLARATION = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_EXPAT_ENCODINGS = {
    "utf-8",
    "utf8",
    "utf-16",
    "utf16",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
    "latin1",
}


# --- reading ---------------------------------------------------------------------------------------


class _LineRecorder:
    """A tree builder that remembers the line on which each ``<question>`` starts."""

    def __init__(self) -> None:
        self.builder = StdElementTree.TreeBuilder()
        self.parser: SafeElementTree.DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):
        element = self.builder.start(tag, attrs)
        if tag == "question" and self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self.builder.end(tag)

    def data(self, data):
        self.builder.data(data)

    def close(self):
        return self.builder.close()


def _text(element: StdElementTree.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    return (element.findtext(path) or "").strip()


def _inline_files(raw: str, element: StdElementTree.Element, lost: list[str]) -> str:
    """Images embedded as ``<file>`` (``@@PLUGINFILE@@/name`` in the HTML) become data: URLs; any
    other file (audio, a document) is named in ``lost``."""
    for file in element.findall("file"):
        name = file.get("name") or ""
        mime = mimetypes.guess_type(name)[0] or ""
        if not name or not mime.startswith("image/") or file.get("encoding", "base64") != "base64":
            lost.append(f"<file> {name}".strip())
            continue
        url = f"data:{mime};base64,{''.join((file.text or '').split())}"
        raw = raw.replace(_PLUGINFILE + quote(name), url).replace(_PLUGINFILE + name, url)
    return raw


def _rich(
    element: StdElementTree.Element | None, default_format: str, lost: list[str], links: bool = False
) -> tuple[str, str]:
    """The text of an element with its files inlined and its format: ("text" or "html");
    ``links`` for feedback, which keeps its web links."""
    if element is None:
        return "", "text"
    text = _text(element)
    if element.get("format", default_format).strip() != "html":
        return text, "text"
    text = _inline_files(text, element, lost)
    lost += html_losses(text, links)
    return text, "html"


def _keep(pieces: list[tuple[str, str]], links: bool = False) -> tuple[list[str], str]:
    """Texts as one format: sanitised HTML when any has markup, else plain text."""
    if any(fmt == "html" and not _is_plain_html(text) for text, fmt in pieces):
        return [sanitise_html(t, links) if fmt == "html" else _text_to_html(t) for t, fmt in pieces], "html"
    return [_html_to_text(t) if fmt == "html" else t for t, fmt in pieces], "text"


def _as_html(text: str, fmt: str) -> str:
    if not text:
        return ""
    return sanitise_html(text, links=True) if fmt == "html" else _text_to_html(text)


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_KNOWN_TAGS = ("kp", "difficulty", "applies")
_COMBINED = {
    "correctfeedback": "correct",
    "partiallycorrectfeedback": "partially_correct",
    "incorrectfeedback": "incorrect",
}


class _Reader:
    def __init__(self, lines: dict[int, int]) -> None:
        self.lines = lines
        self.result = ParseResult()
        self.category = ""
        self.ids: dict[str, object] = {}

    def question(self, element: StdElementTree.Element) -> None:
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            self.category = category_path(_text(element.find("category")) or _text(element, "category"))
            return
        idnumber = _text(element, "idnumber")
        title = _text(element.find("name"))
        label = idnumber or title[:NAME_LENGTH]
        item = line_item(self.lines.get(id(element)), label, xml=True)

        def error(reason: object) -> None:
            self.result.errors.append(Issue(item, reason))

        def skip(reason: object) -> None:
            self.result.skipped.append(Issue(item, reason))

        if qtype not in ("multichoice", "truefalse"):
            skip(
                _l(
                    "Moodle question type %(type)s is not supported; the question was skipped.",
                    type=qtype or "(none)",
                )
            )
            return

        lost: list[str] = []
        notes: list[object] = []
        question_text = element.find("questiontext")
        fmt = "html" if question_text is None else question_text.get("format", "html").strip()
        stem, stem_fmt = _rich(question_text, "html", lost)
        old_image = _old_image(element)
        if old_image:  # Moodle 1.9: the picture beside the text
            stem, stem_fmt = (stem if stem_fmt == "html" else _text_to_html(stem)) + old_image, "html"
        stem_format = "text"
        if stem_fmt == "html":
            if _is_plain_html(stem):  # no markup but line breaks: what write() makes of a text stem
                stem = _html_to_text(stem)
            else:
                stem, stem_format = sanitise_html(stem), "html"
        if not stem:
            error(_l("The question text is empty."))
            return

        answers = element.findall("answer")
        pieces, notes_html, fractions = [], [], []
        for answer in answers:
            if qtype == "multichoice":
                pieces.append(_rich(answer, fmt, lost))
            else:
                pieces.append((_text(answer), "text"))
            notes_html.append(_as_html(*_rich(answer.find("feedback"), "html", lost, links=True)))
            raw = answer.get("fraction", "0").strip() or "0"
            fraction = _number(raw)
            if fraction is None:
                error(_l("The %(field)s value %(value)s is not a number.", field="fraction", value=raw))
                return
            if not valid_grade(fraction):
                error(
                    _l(
                        "The grade %(grade)s%% is not one Moodle allows (such as 100, 50, 33.33333, 25).",
                        grade=raw,
                    )
                )
                return
            fractions.append(fraction)
        options, options_format = _keep(pieces)

        if qtype == "truefalse":
            words = [o.lower() for o in options]
            if words not in (["true", "false"], ["false", "true"]):
                words = ["true", "false"][: len(options)]  # an old file: true first, as Moodle assumes
            full = {w for w, f in zip(words, fractions, strict=False) if abs(f - 100) < 1e-6}
            correct = [0] if "true" in full else [1] if "false" in full else []
            by_word = dict(zip(words, notes_html, strict=False))
            notes_html = [by_word.get("true", ""), by_word.get("false", "")]
            options, options_format = list(TRUE_FALSE_OPTIONS), "text"
            kind = "true_false"
        elif _single(_text(element, "single") if element.find("single") is not None else "true"):
            if any(0 < f < 100 - 1e-3 for f in fractions):
                skip(
                    _l(
                        "Partial credit on a single-answer question (an answer worth %(w)s%%) cannot be "
                        "kept here: the question was skipped.",
                        w=_percent(next(f for f in fractions if 0 < f < 100 - 1e-3)),
                    )
                )
                return
            correct = [i for i, f in enumerate(fractions) if f >= 100 - 1e-3]
            kind = "single_choice"
        else:
            correct = [i for i, f in enumerate(fractions) if f > 0]
            kind = "multiple_choice"
            if len(correct) == 1 and fractions[correct[0]] >= 100 - 1e-3:
                kind = "single_choice"
                notes.append(
                    _l("A multiple-answer question with one right answer: imported as single choice.")
                )
            elif correct:
                shares = {round(fractions[i], 3) for i in correct}
                if len(shares) > 1 or abs(sum(fractions[i] for i in correct) - 100) > 0.01:
                    skip(
                        _l(
                            "The right answers carry unequal or incomplete shares of the grade (%(w)s); "
                            "this bank gives each right answer an equal share: the question was "
                            "skipped.",
                            w=", ".join(_percent(fractions[i]) + "%" for i in correct),
                        )
                    )
                    return
        if not correct:
            error(_l("No answer is marked correct."))
            return
        reason = _validate(kind, options, correct)
        if reason is not None:
            error(reason)
            return

        points = None
        grade = element.find("defaultgrade")
        if grade is not None and (grade.text or "").strip():
            points = _number(grade.text.strip())
            if points is None or points < 0:
                error(
                    _l(
                        "The %(field)s value %(value)s is not a number.",
                        field="defaultgrade",
                        value=grade.text.strip(),
                    )
                )
                return

        knowledge_point, difficulty, applies_words, other_tags = "", None, [], []
        for tag in [*element.findall("tags/tag"), *element.findall("coursetags/tag")]:
            text = _text(tag)
            key, _, value = text.partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "kp" and value and not knowledge_point:
                knowledge_point = value
            elif key == "difficulty":
                try:
                    difficulty = parse_difficulty(value)
                except ValueError:
                    error(
                        _l(
                            "The difficulty %(value)s is not 1–5 or one of 易, 较易, 中等, 较难, 难.",
                            value=value,
                        )
                    )
                    return
            elif key == "applies" and value:
                applies_words.append(value)
            elif text:
                other_tags.append(text)
        try:
            applies_to = applies_to_codes(applies_words)
        except UnknownAppliesTo as exc:
            error(applies_to_error(exc.args[0]))
            return
        if other_tags:
            lost.append(_l("tags %(tags)s", tags="、".join(other_tags)))
        if element.findall("hint"):
            lost.append(_l("%(n)d hints", n=len(element.findall("hint"))))

        if idnumber:
            if idnumber in self.ids:
                error(
                    _l("The ID %(id)s is already used at %(other)s.", id=idnumber, other=self.ids[idnumber])
                )
                return
            self.ids[idnumber] = item

        explanation, explanation_fmt = _rich(element.find("generalfeedback"), fmt, lost, links=True)
        (explanation,), explanation_format = _keep([(explanation, explanation_fmt)], links=True)
        feedback = {}
        for tag, key in _COMBINED.items():
            text = _as_html(*_rich(element.find(tag), "html", lost, links=True))
            if text:
                feedback[key] = text
        shuffle_raw = _text(element, "shuffleanswers") if element.find("shuffleanswers") is not None else "1"
        if lost:
            notes.append(loss_note([str(w) for w in lost]))
        self.result.notes.extend(Issue(item, note) for note in notes)
        self.result.questions.append(
            QuestionData(
                type=kind,
                stem=stem,
                options=options,
                correct=correct,
                stem_format=stem_format,
                explanation=explanation,
                explanation_format=explanation_format,
                category=self.category,
                knowledge_point=knowledge_point,
                difficulty=difficulty,
                applies_to=applies_to,
                external_id=idnumber,
                points=points,
                options_format=options_format,
                option_feedback=notes_html if any(notes_html) else [],
                feedback=feedback,
                shuffle=_single(shuffle_raw),
                title=title,
                source=item,
            )
        )


def _old_image(element: StdElementTree.Element) -> str:
    """Moodle 1.9's ``<image>``/``<image_base64>`` as an ``<img>`` to put after the text."""
    name = _text(element, "image")
    data = "".join((element.findtext("image_base64") or "").split())
    mime = mimetypes.guess_type(name)[0] or ""
    if not data or not mime.startswith("image/"):
        return ""
    return f'<p><img src="data:{mime};base64,{data}" alt="{html.escape(name)}"></p>'


def _single(raw: str) -> bool:
    """Moodle's trans_single: "false", "0" and "" are false, anything else true."""
    return raw.strip() not in ("false", "0", "")


def _as_utf8(data: bytes) -> bytes:
    """A file declared in an encoding expat lacks (GB2312, GBK, GB18030, Big5…) as UTF-8."""
    declaration = _DECLARATION.match(data)
    if not declaration or declaration.group(1).decode().lower() in _EXPAT_ENCODINGS:
        return data
    name = declaration.group(1).decode()
    try:
        text = data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return data  # the parser says what is wrong
    return text.replace(name, "UTF-8", 1).encode("utf-8")


def _code(name: str) -> int:
    return _expat_errors.codes[getattr(_expat_errors, name)]


def _xml_error(code: int | None):
    """What expat's error means, in the reader's language (expat's own words are English)."""
    if code in (
        _code("XML_ERROR_NO_ELEMENTS"),
        _code("XML_ERROR_UNCLOSED_TOKEN"),
        _code("XML_ERROR_UNCLOSED_CDATA_SECTION"),
        _code("XML_ERROR_PARTIAL_CHAR"),
    ):
        return _l(
            "The XML is not well-formed: the file ends too early, it seems incomplete (cut off). "
            "Upload the whole file again."
        )
    if code == _code("XML_ERROR_TAG_MISMATCH"):
        return _l("The XML is not well-formed: an element is closed by the wrong end tag.")
    if code == _code("XML_ERROR_INVALID_TOKEN"):
        return _l("The XML is not well-formed: a character or markup is not allowed here.")
    if code == _code("XML_ERROR_JUNK_AFTER_DOC_ELEMENT"):
        return _l("The XML is not well-formed: there is text after the end of the document.")
    if code in (
        _code("XML_ERROR_UNDEFINED_ENTITY"),
        _code("XML_ERROR_UNKNOWN_ENCODING"),
        _code("XML_ERROR_INCORRECT_ENCODING"),
    ):
        return _l("The XML is not well-formed: an unknown entity or encoding.")
    return _l("The XML is not well-formed.")


def parse(data: bytes) -> ParseResult:
    if not data.strip():
        return ParseResult(errors=[Issue("file", _l("The file is empty."))])
    recorder = _LineRecorder()
    try:
        parser = SafeElementTree.DefusedXMLParser(target=recorder, forbid_dtd=True)
        recorder.parser = parser
        parser.feed(_as_utf8(data))
        root = parser.close()
    except DefusedXmlException:
        return ParseResult(
            errors=[
                Issue(
                    "file", _l("The XML contains a DTD or entity declarations, which are refused for safety.")
                )
            ]
        )
    except (SafeElementTree.ParseError, StdElementTree.ParseError) as err:
        line = getattr(err, "position", (0, 0))[0]
        return ParseResult(
            errors=[
                Issue(line_item(line, xml=True) if line else "file", _xml_error(getattr(err, "code", None)))
            ]
        )
    except (ValueError, LookupError):
        return ParseResult(errors=[Issue("file", _xml_error(None))])
    if root.tag != "quiz":
        return ParseResult(
            errors=[
                Issue(
                    "file",
                    _l(
                        "This is not a Moodle XML question file: the root element is <%(tag)s>, not <quiz>.",
                        tag=root.tag,
                    ),
                )
            ]
        )
    reader = _Reader(recorder.lines)
    for element in root.findall("question"):
        reader.question(element)
    result = reader.result
    if not (result.questions or result.skipped or result.errors):
        result.errors.append(Issue("file", _l("No questions were found in the file.")))
    return result


# --- writing ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _plain_text(text: str) -> str:
    """Element content, escaped for XML (CR kept as a character reference)."""
    return escape(_clean(text)).replace("\r", "&#13;")


def _cdata(text: str) -> str:
    text = _clean(text)
    if not text:
        return ""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _grade(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _name(question: QuestionData, number: int) -> str:
    if question.title or question.external_id:
        return question.title or question.external_id
    text = question.stem if question.stem_format != "html" else _html_to_text(question.stem)
    text = " ".join(text.split())[:NAME_LENGTH].strip()
    return text or f"Q{number}"


def _category(path: str) -> str:
    return (
        f'  <question type="category">\n    <category>\n'
        f"      <text>{_plain_text('$course$/top' + ('/' + path if path else ''))}</text>\n"
        f'    </category>\n    <info format="moodle_auto_format">\n      <text></text>\n'
        f"    </info>\n    <idnumber></idnumber>\n  </question>\n"
    )


def _answer(fraction: str, text: str, fmt: str, feedback: str = "") -> str:
    return (
        f'    <answer fraction="{fraction}" format="{fmt}">\n      <text>{text}</text>\n'
        f'      <feedback format="html">\n        <text>{_cdata(feedback)}</text>\n      </feedback>\n'
        f"    </answer>\n"
    )


def _question(question: QuestionData, number: int) -> str:
    stem = question.stem if question.stem_format == "html" else _text_to_html(question.stem)
    explanation = (
        question.explanation if question.explanation_format == "html" else _text_to_html(question.explanation)
    )
    tf = question.type == "true_false"
    notes = list(question.option_feedback) + [""] * (len(question.options) - len(question.option_feedback))
    out = [
        f'  <question type="{"truefalse" if tf else "multichoice"}">\n',
        f"    <name>\n      <text>{_plain_text(_name(question, number))}</text>\n    </name>\n",
        f'    <questiontext format="html">\n      <text>{_cdata(stem)}</text>\n    </questiontext>\n',
        f'    <generalfeedback format="html">\n'
        f"      <text>{_cdata(explanation)}</text>\n    </generalfeedback>\n",
        f"    <defaultgrade>{_grade(1 if question.points is None else question.points)}</defaultgrade>\n",
        f"    <penalty>{'1' if tf else '0.3333333'}</penalty>\n",
        "    <hidden>0</hidden>\n",
        f"    <idnumber>{_plain_text(question.external_id)}</idnumber>\n",
    ]
    correct = set(question.correct)
    if tf:
        out.append(_answer("100" if correct == {0} else "0", "true", "moodle_auto_format", notes[0]))
        out.append(_answer("100" if correct == {1} else "0", "false", "moodle_auto_format", notes[1]))
    else:
        multiple = question.type == "multiple_choice"
        out.append(
            f"    <single>{'false' if multiple else 'true'}</single>\n"
            f"    <shuffleanswers>{'1' if question.shuffle else '0'}</shuffleanswers>\n"
            "    <answernumbering>ABCD</answernumbering>\n"
            "    <showstandardinstruction>0</showstandardinstruction>\n"
        )
        for field, key in _COMBINED.items():
            text = _cdata(question.feedback.get(key, ""))
            out.append(f'    <{field} format="html">\n      <text>{text}</text>\n    </{field}>\n')
        if multiple:
            out.append("    <shownumcorrect/>\n")
        share = _percent(100 / len(correct)) if multiple else "100"
        wrong = "-100" if multiple else "0"
        for index, option in enumerate(question.options):
            text = option if question.options_format == "html" else _text_to_html(option)
            out.append(_answer(share if index in correct else wrong, _cdata(text), "html", notes[index]))
    tags = []
    if question.knowledge_point:
        tags.append(f"kp:{question.knowledge_point}")
    if question.difficulty is not None:
        tags.append(f"difficulty:{question.difficulty}")
    tags.extend(f"applies:{code}" for code in question.applies_to)
    if tags:
        out.append("    <tags>\n")
        out.extend(f"      <tag><text>{_plain_text(tag)}</text></tag>\n" for tag in tags)
        out.append("    </tags>\n")
    out.append("  </question>\n")
    return "".join(out)


def write(questions: list[QuestionData]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
    category = ""
    for number, question in enumerate(questions, start=1):
        if question.category != category:
            category = question.category
            out.append(f"<!-- question: 0  -->\n{_category(category)}\n")
        out.append(f"<!-- question: {number}  -->\n{_question(question, number)}\n")
    out.append("</quiz>\n")
    return "".join(out).encode("utf-8")
