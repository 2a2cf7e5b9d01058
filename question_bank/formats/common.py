"""What every format shares: safe HTML, category paths, difficulty words, answer letters."""

from __future__ import annotations

import re

import nh3

# What a question stem may keep: text structure, emphasis, tables and images by URL.
ALLOWED_TAGS = {"p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li",
                "table", "thead", "tbody", "tr", "th", "td", "span", "div", "img", "pre", "code"}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}}

LETTERS = "ABCDEF"

# The words training centers use for 难度, mapped to the author's scale 1 (easiest) … 5.
DIFFICULTY_WORDS = {"易": 1, "容易": 1, "简单": 1, "较易": 2, "中": 3, "中等": 3, "一般": 3,
                    "较难": 4, "难": 5, "困难": 5}

TRUE_WORDS = {"对", "正确", "是", "√", "✓", "t", "true", "y", "yes", "a"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "f", "false", "n", "no", "b"}

_SPLIT = re.compile(r"[,，;；、\s]+")
_COURSE_PREFIX = re.compile(r"^\$(course|system|module|cat\d+)\$/")


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "data"}).strip()


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
