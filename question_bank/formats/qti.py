"""IMS QTI 2.1 content packages, for exchange with TAO and other item banks.

A package is a zip: ``imsmanifest.xml`` naming one ``assessmentItem`` file per question. Each item
is a ``choiceInteraction`` (``maxChoices="1"``: single choice or true/false; otherwise multiple
choice) with its correct response, its points as the score of a right answer, the general
feedback as a ``modalFeedback``, each option's feedback as a ``feedbackInline`` inside the option,
and ``shuffle`` as the author set it. What QTI has no place for (category, knowledge point,
difficulty, applies-to codes, the bank's id, Moodle's combined feedback) travels in the
manifest's metadata of the resource, in this bank's own namespace, which other tools ignore.

Read: items of any other interaction are skipped with its name; a package with no manifest, a
broken item or too much to unpack is refused whole, as every format is.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from html.parser import HTMLParser
from posixpath import normpath
from xml.etree import ElementTree as StdElementTree
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l

from ..data import Issue, ParseResult, QuestionData
from .common import (
    UnknownAppliesTo,
    _is_plain_html,
    _text_to_html,
    applies_to_codes,
    applies_to_error,
    category_path,
    html_to_text,
    parse_difficulty,
    sanitise_html,
)

__all__ = ["parse", "write"]

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
QB = "urn:x-mine-safety-portal:question-bank"
ITEM_TYPE = "imsqti_item_xmlv2p1"
TRUE_FALSE_OPTIONS = ["对", "错"]
_COMBINED = {"correct": "CORRECT", "partially_correct": "PARTIALLY_CORRECT", "incorrect": "INCORRECT"}

MAX_MEMBERS = 50_001  # one file per question, and the manifest
MAX_UNPACKED = 64 * 1024 * 1024
MAX_MEMBER = 8 * 1024 * 1024
_VOID = {"br", "img", "hr"}
# What reading a damaged or hostile member may raise: a package with any of them is refused.
_BROKEN = (
    DefusedXmlException,
    StdElementTree.ParseError,
    ValueError,
    zipfile.BadZipFile,
    OSError,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
)


def _q(tag: str) -> str:
    return f"{{{QTI}}}{tag}"


# --- writing ---------------------------------------------------------------------------------------


class _Xhtml(HTMLParser):
    """Sanitised HTML as XHTML in the QTI namespace: void elements closed, entities as characters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = "".join(f" {name}={quoteattr(value or '')}" for name, value in attrs)
        if tag in _VOID:
            self.out.append(f"<{tag}{attributes}/>")
        else:
            self.out.append(f"<{tag}{attributes}>")
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open:
                top = self.open.pop()
                self.out.append(f"</{top}>")
                if top == tag:
                    break

    def handle_data(self, data):
        self.out.append(escape(data))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def _xhtml(html: str) -> str:
    parser = _Xhtml()
    parser.feed(html)
    return parser.result()


def _body(text: str, is_html: bool) -> str:
    return _xhtml(text) if is_html else escape(text)


def _identifier(number: int) -> str:
    return f"Q{number:05d}"


def _item(question: QuestionData, identifier: str) -> str:
    options_html = question.options_format == "html"
    notes = list(question.option_feedback) + [""] * (len(question.options) - len(question.option_feedback))
    correct = "".join(f"<value>C{i}</value>" for i in question.correct)
    cardinality = "multiple" if question.type == "multiple_choice" else "single"
    points = 1.0 if question.points is None else question.points
    choices = []
    for index, option in enumerate(question.options):
        note = (
            f'<feedbackInline outcomeIdentifier="FEEDBACK" identifier="C{index}" showHide="show">'
            f"{_xhtml(notes[index])}</feedbackInline>"
            if notes[index]
            else ""
        )
        choices.append(
            f'      <simpleChoice identifier="C{index}">{_body(option, options_html)}{note}</simpleChoice>\n'
        )
    shuffle = "true" if question.shuffle and question.type != "true_false" else "false"
    max_choices = "0" if question.type == "multiple_choice" else "1"
    feedback = []
    explanation = (
        question.explanation if question.explanation_format == "html" else _text_to_html(question.explanation)
    )
    if explanation:
        feedback.append(
            f'  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="GENERAL" showHide="show">'
            f"{_xhtml(explanation)}</modalFeedback>\n"
        )
    for key, ident in _COMBINED.items():
        if question.feedback.get(key):
            feedback.append(
                f'  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="{ident}" '
                f'showHide="show">{_xhtml(question.feedback[key])}</modalFeedback>\n'
            )
    show = (
        (
            '<setOutcomeValue identifier="FEEDBACK"><baseValue baseType="identifier">GENERAL'
            "</baseValue></setOutcomeValue>"
        )
        if explanation
        else ""
    )
    stem = question.stem if question.stem_format == "html" else _text_to_html(question.stem)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<assessmentItem xmlns="{QTI}" identifier="{identifier}" '
        f'title={quoteattr(question.title or question.external_id or identifier)} adaptive="false" '
        'timeDependent="false">\n'
        f'  <responseDeclaration identifier="RESPONSE" cardinality="{cardinality}" baseType="identifier">\n'
        f"    <correctResponse>{correct}</correctResponse>\n  </responseDeclaration>\n"
        f'  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float" '
        f'normalMaximum="{points:g}"><defaultValue><value>0</value></defaultValue></outcomeDeclaration>\n'
        '  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" baseType="identifier"/>\n'
        f"  <itemBody>\n    <div>{_xhtml(stem)}</div>\n"
        f'    <choiceInteraction responseIdentifier="RESPONSE" shuffle="{shuffle}" '
        f'maxChoices="{max_choices}">\n'
        f"{''.join(choices)}    </choiceInteraction>\n  </itemBody>\n"
        "  <responseProcessing>\n    <responseCondition>\n"
        '      <responseIf><match><variable identifier="RESPONSE"/><correct identifier="RESPONSE"/></match>'
        f'<setOutcomeValue identifier="SCORE"><baseValue baseType="float">{points:g}</baseValue>'
        "</setOutcomeValue></responseIf>\n"
        '      <responseElse><setOutcomeValue identifier="SCORE"><baseValue baseType="float">0</baseValue>'
        "</setOutcomeValue></responseElse>\n"
        f"    </responseCondition>\n    {show}\n  </responseProcessing>\n"
        f"{''.join(feedback)}</assessmentItem>\n"
    )


def _meta(question: QuestionData) -> str:
    meta = {
        "type": question.type,
        "category": question.category,
        "knowledge_point": question.knowledge_point,
        "difficulty": question.difficulty,
        "applies_to": list(question.applies_to),
        "idnumber": question.external_id,
        "feedback": dict(question.feedback),
    }
    return f"<qb:question>{escape(json.dumps(meta, ensure_ascii=False))}</qb:question>"


def write(questions: list[QuestionData]) -> bytes:
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for number, question in enumerate(questions, start=1):
            identifier = _identifier(number)
            href = f"items/{identifier}.xml"
            package.writestr(href, _item(question, identifier))
            resources.append(
                f'    <resource identifier="R{identifier}" type="{ITEM_TYPE}" href="{href}">\n'
                f"      <metadata>{_meta(question)}</metadata>\n"
                f'      <file href="{href}"/>\n    </resource>\n'
            )
        package.writestr(
            "imsmanifest.xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<manifest xmlns="{CP}" xmlns:qb="{QB}" identifier="question-bank">\n'
                "  <metadata><schema>QTIv2.1 Package</schema>"
                "<schemaversion>1.0.0</schemaversion></metadata>\n"
                f"  <organizations/>\n  <resources>\n{''.join(resources)}  </resources>\n</manifest>\n"
            ),
        )
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------------


def _xml(data: bytes) -> StdElementTree.Element:
    return SafeElementTree.fromstring(data, forbid_dtd=True)


def _inner_html(element: StdElementTree.Element, skip: str = "") -> str:
    """An element's content as HTML, the QTI namespace dropped, ``skip`` elements left out."""
    parts = [escape(element.text or "")]
    for child in element:
        tag = child.tag.split("}")[-1]
        if tag != skip:
            attributes = "".join(f" {k.split('}')[-1]}={quoteattr(v)}" for k, v in child.attrib.items())
            if tag in _VOID:
                parts.append(f"<{tag}{attributes}>")
            else:
                parts.append(f"<{tag}{attributes}>{_inner_html(child, skip)}</{tag}>")
        parts.append(escape(child.tail or ""))
    return "".join(parts)


def _kept(html: str) -> tuple[str, str]:
    """Markup as the bank keeps it: sanitised HTML, or plain text when there is none."""
    clean = sanitise_html(html)
    if _is_plain_html(clean):
        return html_to_text(clean), "text"
    return clean, "html"


class _PackageError(Exception):
    def __init__(self, reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _members(data: bytes) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = {m.filename: m for m in package.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _PackageError(
            _l("The file is not a QTI package (a zip file); it may be damaged or incomplete.")
        ) from None
    if (
        len(members) > MAX_MEMBERS
        or sum(m.file_size for m in members.values()) > MAX_UNPACKED
        or any(m.file_size > MAX_MEMBER for m in members.values())
    ):
        raise _PackageError(_l("The QTI package is too large to unpack; split it into smaller ones."))
    if "imsmanifest.xml" not in members:
        raise _PackageError(_l("The zip file has no imsmanifest.xml: it is not a QTI content package."))
    return package, members


def parse(data: bytes) -> ParseResult:
    try:
        package, members = _members(data)
        manifest = _xml(package.read("imsmanifest.xml"))
    except _PackageError as exc:
        return ParseResult(errors=[Issue("file", exc.reason)])
    except _BROKEN:
        return ParseResult(errors=[Issue("imsmanifest.xml", _l("The manifest is not well-formed XML."))])
    result = ParseResult()
    for resource in manifest.iter(f"{{{CP}}}resource"):
        href = normpath(resource.get("href") or "")
        kind = resource.get("type") or ""
        if not kind.startswith("imsqti_item"):
            continue
        item = _l("item %(file)s", file=href)
        if href not in members:
            result.errors.append(Issue(item, _l("The manifest names a file the package does not hold.")))
            continue
        meta = {}
        raw = resource.findtext(f"{{{CP}}}metadata/{{{QB}}}question")
        if raw:
            try:
                meta = json.loads(raw)
            except ValueError:
                meta = {}
        try:
            root = _xml(package.read(members[href]))
        except _BROKEN:
            result.errors.append(Issue(item, _l("The item is not well-formed XML.")))
            continue
        _read_item(root, item, meta if isinstance(meta, dict) else {}, result)
    if not (result.questions or result.skipped or result.errors):
        result.errors.append(Issue("file", _l("No questions were found in the file.")))
    return result


def _read_item(root: StdElementTree.Element, item, meta: dict, result: ParseResult) -> None:
    def error(reason) -> None:
        result.errors.append(Issue(item, reason))

    if root.tag != _q("assessmentItem"):
        error(_l("This is not a QTI 2.1 assessment item."))
        return
    body = root.find(_q("itemBody"))
    interactions = [e for e in (body.iter() if body is not None else []) if e.tag.endswith("Interaction")]
    if len(interactions) != 1 or interactions[0].tag != _q("choiceInteraction"):
        names = "、".join(e.tag.split("}")[-1] for e in interactions) or "(none)"
        result.skipped.append(
            Issue(item, _l("QTI interaction %(type)s is not supported; the item was skipped.", type=names))
        )
        return
    interaction = interactions[0]
    choices = interaction.findall(_q("simpleChoice"))
    ids = [c.get("identifier") for c in choices]
    correct_ids = [
        v.text for v in root.iterfind(f"{_q('responseDeclaration')}/{_q('correctResponse')}/{_q('value')}")
    ]
    correct = [ids.index(v) for v in correct_ids if v in ids]
    pieces = [_kept(_inner_html(c, skip="feedbackInline")) for c in choices]
    options_format = "html" if any(fmt == "html" for _, fmt in pieces) else "text"
    options = [t if fmt == options_format else _text_to_html(t) for t, fmt in pieces]
    notes = []
    for choice in choices:
        inline = choice.find(_q("feedbackInline"))
        notes.append(sanitise_html(_inner_html(inline), links=True) if inline is not None else "")
    single = interaction.get("maxChoices", "1") == "1"
    qtype = (
        meta.get("type")
        if meta.get("type") in ("true_false", "single_choice", "multiple_choice")
        else ("single_choice" if single else "multiple_choice")
    )
    if qtype == "true_false":
        options, options_format = list(TRUE_FALSE_OPTIONS), "text"
    # What the candidate reads: the body around the interaction, and the interaction's prompt.
    ours = body is not None and len(body) == 2 and body[0].tag == _q("div")
    stem_html = _inner_html(body[0] if ours else body, skip="choiceInteraction") if body is not None else ""
    if not html_to_text(sanitise_html(stem_html)) and "<img" not in stem_html:
        stem_html = ""  # layout only (TAO's grid of divs)
    prompt = interaction.find(_q("prompt"))
    if prompt is not None:
        stem_html += _inner_html(prompt)
    stem, stem_format = _kept(stem_html)
    if not stem:
        error(_l("The question text is empty."))
        return
    if not correct:
        error(_l("No answer is marked correct."))
        return
    points = None
    for outcome in root.iterfind(_q("outcomeDeclaration")):
        if outcome.get("identifier") == "SCORE" and outcome.get("normalMaximum"):
            try:
                points = float(outcome.get("normalMaximum"))
            except ValueError:
                points = None
    explanation, explanation_format, feedback = "", "text", {}
    for modal in root.iterfind(_q("modalFeedback")):
        html = sanitise_html(_inner_html(modal), links=True)
        key = {v: k for k, v in _COMBINED.items()}.get(modal.get("identifier") or "")
        if key:
            feedback[key] = html
        elif not explanation:
            explanation, explanation_format = (
                (html_to_text(html), "text") if _is_plain_html(html) else (html, "html")
            )
    try:
        applies_to = applies_to_codes([str(c) for c in meta.get("applies_to") or []])
        difficulty = parse_difficulty(meta.get("difficulty"))
    except UnknownAppliesTo as exc:
        error(applies_to_error(exc.args[0]))
        return
    except ValueError:
        error(
            _l(
                "The difficulty %(value)s is not 1–5 or one of 易, 较易, 中等, 较难, 难.",
                value=meta.get("difficulty"),
            )
        )
        return
    saved_feedback = meta.get("feedback") if isinstance(meta.get("feedback"), dict) else {}
    result.questions.append(
        QuestionData(
            type=qtype,
            stem=stem,
            options=options,
            correct=sorted(correct),
            stem_format=stem_format,
            explanation=explanation,
            explanation_format=explanation_format,
            category=category_path(str(meta.get("category") or "")),
            knowledge_point=str(meta.get("knowledge_point") or ""),
            difficulty=difficulty,
            applies_to=applies_to,
            external_id=str(meta.get("idnumber") or ""),
            points=points,
            options_format=options_format,
            option_feedback=notes if any(notes) else [],
            feedback=feedback or {k: v for k, v in saved_feedback.items() if isinstance(v, str)},
            shuffle=interaction.get("shuffle", "false") == "true" or qtype == "true_false",
            title=root.get("title") or "",
            source=item,
        )
    )


def looks_like_package(data: bytes) -> bool:
    """Whether a zip file is a content package (it holds a manifest) rather than a workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return "imsmanifest.xml" in package.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
