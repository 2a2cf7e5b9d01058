"""What every format shares: safe HTML and what it drops, category paths, difficulty words, answer
letters, the 适用类别 words, Moodle's grades, and where in a file a question stands."""

from __future__ import annotations

import html
import re
from contextlib import nullcontext
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from flask import has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from training_portal.people import categories

# What a question stem may keep: text structure, emphasis, tables and images by URL.
ALLOWED_TAGS = {
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
    "div",
    "img",
    "pre",
    "code",
}
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}

LETTERS = "ABCDEF"

# The words training centers use for 难度, mapped to the author's scale 1 (easiest) … 5.
DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}

TRUE_WORDS = {"对", "正确", "是", "√", "✓", "t", "true", "y", "yes", "a"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "f", "false", "n", "no", "b"}

_SPLIT = re.compile(r"[,，;；、\s]+")
_COURSE_PREFIX = re.compile(r"^\$(course|system|module|cat\d+)\$/")


def sanitise_html(html: str, links: bool = False) -> str:
    """Safe HTML. ``links``: feedback and explanations, read after the exam, keep their web links
    (http and https); a stem or an option, read during it, never leads off the page."""
    if links:
        return nh3.clean(
            html,
            tags=ALLOWED_TAGS | {"a"},
            attributes=ALLOWED_ATTRIBUTES | {"a": {"href", "title"}},
            url_schemes={"http", "https", "data"},
            link_rel="noopener noreferrer",
        ).strip()
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "data"}
    ).strip()


def category_path(raw: str) -> str:
    """``$course$/top/煤矿安全/瓦斯防治/`` → ``煤矿安全/瓦斯防治``."""
    path = _COURSE_PREFIX.sub("", (raw or "").strip())
    parts = [p.strip() for p in path.split("/") if p.strip()]
    if parts and parts[0].lower() == "top":
        parts = parts[1:]
    return "/".join(parts)


def parse_difficulty(raw: object) -> int | None:
    """1–5, a word of DIFFICULTY_WORDS, or empty; raise ValueError otherwise."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if text in DIFFICULTY_WORDS:
        return DIFFICULTY_WORDS[text]
    value = float(text)
    if value != int(value) or not 1 <= value <= 5:
        raise ValueError(text)
    return int(value)


def split_list(raw: object) -> list[str]:
    return [p for p in _SPLIT.split(str(raw or "").strip()) if p]


# ----------------------------------------------------------------------------- 适用类别

# What clerks type for "every category": the same as a blank cell.
ALL_WORDS = {"全部", "所有", "全部人员", "所有人员", "通用", "全部类别", "all", "*"}


class UnknownAppliesTo(ValueError):
    """A 适用类别 word that names no category or operation type; ``args[0]`` is the word."""


@lru_cache(maxsize=2)
def _registry_words(translated: bool) -> tuple[dict[str, str], dict, str]:
    """The registry's words (``categories.target_words``, ``post_words``) and the accepted names,
    built once: building them switches locales, 12 ms, too slow for every row of a big file.
    ``translated``: whether an app context gives the Chinese labels."""
    names = "、".join(applies_to_label(code) for code, _ in categories.targets())
    return categories.target_words(), categories.post_words(), names


def applies_to_codes(words: list[str]) -> list[str]:
    """The blueprint targets a question's 适用类别 words mean (registry codes, Chinese names,
    aliases); ``[]`` (every target) for none, or for 全部. Raise UnknownAppliesTo with the first
    word that means nothing, so that no question is stored that no paper could ever draw."""
    known = _registry_words(has_app_context())[0]
    codes: list[str] = []
    for word in words:
        key = categories.normalise_word(word)
        if key in ALL_WORDS:
            return []
        code = known.get(key)
        if code is None:
            raise UnknownAppliesTo(word)
        if code not in codes:
            codes.append(code)
    return codes


def applies_to_error(word: str):
    """The row error for a 适用类别 word that means nothing, naming the names accepted."""
    post = _registry_words(has_app_context())[1].get(categories.normalise_word(word))
    if post is not None and not post[0].personnel_category.kind.examined:
        return _l(
            "The 适用类别 %(value)s: this category takes no exam here, so no paper would ever draw "
            "the question.",
            value=word,
        )
    return _l(
        "The 适用类别 %(value)s names no personnel category or operation type. Write one or "
        "more of: %(names)s (or their codes); 全部 or a blank cell means every category.",
        value=word,
        names=_registry_words(has_app_context())[2],
    )


def applies_to_label(code: str) -> str:
    """A target code as the Chinese name a clerk would type (the file's word for it); the code
    itself where the name would be read back as several words (an English label has spaces)."""
    with force_locale("zh_CN") if has_app_context() else nullcontext():
        label = categories.target_label(code)
    return code if _SPLIT.search(label) else label


# ----------------------------------------------------------------------------- what a file loses

# Tags whose content a question may not keep: named in the report, never dropped silently.
_CONTENT_TAGS = {
    "a": "href",
    "audio": "src",
    "video": "src",
    "source": "src",
    "object": "data",
    "embed": "src",
    "iframe": "src",
    "script": "src",
    "math": "",
    "svg": "",
}
_KEPT_SRC = ("data:image/", "http://", "https://")


class _Losses(HTMLParser):
    def __init__(self, links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.lost: list[str] = []
        self.links = links

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and self.links and (values.get("href") or "").startswith(("http://", "https://")):
            return
        if tag in _CONTENT_TAGS:
            where = values.get(_CONTENT_TAGS[tag]) or ""
            self.lost.append(f"<{tag}>{' ' + where if where else ''}")
        elif tag == "img" and not (values.get("src") or "").startswith(_KEPT_SRC):
            self.lost.append(f"<img> {values.get('src') or ''}".strip())


def html_losses(html: str, links: bool = False) -> list[str]:
    """What ``sanitise_html`` will drop of ``html`` that a reader would miss: links (but web
    links where ``links``), audio, video, embedded objects, images whose file is not in the file."""
    parser = _Losses(links)
    parser.feed(html)
    parser.close()
    return parser.lost


def loss_note(what: list[str]):
    return _l("Kept without what this bank cannot show: %(what)s.", what="; ".join(what))


# ----------------------------------------------------------------------------- Moodle's grades

# The grades Moodle offers for an answer (question_bank::fraction_options_full), in percent.
_MOODLE_GRADES = (
    100,
    90,
    83.33333,
    80,
    75,
    70,
    66.66667,
    60,
    50,
    40,
    33.33333,
    30,
    25,
    20,
    16.66667,
    14.28571,
    12.5,
    11.11111,
    10,
    5,
    0,
)


def valid_grade(percent: float) -> bool:
    """Whether an answer's grade is one Moodle allows (its negatives too), as Moodle checks it."""
    return any(abs(abs(percent) - g) < 1e-4 for g in _MOODLE_GRADES)


# ----------------------------------------------------------------------------- where in the file


def row_item(number: int, external_id: str = ""):
    if external_id:
        return _l("row %(n)d (%(id)s)", n=number, id=external_id)
    return _l("row %(n)d", n=number)


def line_item(number: int | None, label: str = "", xml: bool = False):
    if number is None:
        return label or _l("question")
    if xml:
        return (
            _l("line %(n)d (XML, %(label)s)", n=number, label=label)
            if label
            else _l("line %(n)d (XML)", n=number)
        )
    return _l("line %(n)d (%(label)s)", n=number, label=label) if label else _l("line %(n)d", n=number)


# ----------------------------------------------------------------------------- HTML and text

_HTML_TAG = re.compile(r"</?([a-zA-Z][^\s/>]*)|<!|<\?")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _text_to_html(text: str) -> str:
    """Plain text as HTML that shows the same: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\r", "&#13;").replace("\n", "<br>")


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p",
        "div",
        "li",
        "tr",
        "table",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "blockquote",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
    }

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


def html_to_text(fragment: str) -> str:
    """HTML as the plain text a browser would show (images and markup gone)."""
    return _html_to_text(fragment)
