"""Plain values that cross the bank's edges: what importers produce and exporters consume."""

from __future__ import annotations

from dataclasses import dataclass, field

from training_portal.core.issues import Issue  # noqa: F401  (re-exported: the formats report with it)


@dataclass
class QuestionData:
    """One question as a file describes it, before it is a database row.

    ``options`` are the answer texts in their original order; ``correct`` holds indices into
    ``options``. A true/false question has exactly two options, the true one first (``对``/``错``
    or the file's own words, e.g. ``正确``/``错误``, ``True``/``False``).
    """

    type: str  # "true_false" | "single_choice" | "multiple_choice"
    stem: str
    options: list[str]
    correct: list[int]
    stem_format: str = "text"  # "text" or "html" (HTML is sanitised on import)
    explanation: str = ""  # 解析
    category: str = ""  # a path: "煤矿安全/瓦斯防治", no leading or trailing "/"
    knowledge_point: str = ""
    difficulty: int | None = None  # the author's 1 (easiest) … 5 (hardest), None if not given
    applies_to: list[str] = field(default_factory=list)  # personnel category / operation codes
    external_id: str = ""  # 编号 / Moodle idnumber (a GIFT ::title:: is a title, not an id)
    points: float | None = None  # default points, if the file gives them
    options_format: str = "text"  # "html" when an option has markup (images, emphasis)
    explanation_format: str = "text"
    option_feedback: list[str] = field(default_factory=list)  # HTML, one per option ("" for none)
    # Moodle's combined feedback, HTML: "correct", "partially_correct", "incorrect".
    feedback: dict[str, str] = field(default_factory=dict)
    shuffle: bool = True  # Moodle's shuffleanswers; false keeps the options in the file's order
    # GIFT ::title:: or Moodle <name>: a label, never an identity; not stored.
    title: str = field(default="", compare=False)
    source: object = field(default="", compare=False)  # where the file has it ("第 6 行"), for reports


@dataclass
class ParseResult:
    questions: list[QuestionData] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)  # unsupported types: not fatal
    notes: list[Issue] = field(default_factory=list)  # imported, but something was changed or dropped
    errors: list[Issue] = field(default_factory=list)  # any error: nothing is imported

    @property
    def ok(self) -> bool:
        return not self.errors
