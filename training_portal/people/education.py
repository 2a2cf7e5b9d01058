"""学历: the levels the admission rules compare."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.labels import Labelled


class Education(Labelled):
    """学历, in increasing order (the admission rules compare them)."""

    JUNIOR_MIDDLE = "junior_middle"  # 初中
    SENIOR_HIGH = "senior_high"  # 高中
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中专
    COLLEGE = "college"  # 大专
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"
    DOCTOR = "doctor"

    @classmethod
    def _labels(cls):
        return {
            cls.JUNIOR_MIDDLE: _l("Junior middle school"),
            cls.SENIOR_HIGH: _l("Senior high school"),
            cls.SECONDARY_VOCATIONAL: _l("Secondary vocational school"),
            cls.COLLEGE: _l("College (大专)"),
            cls.BACHELOR: _l("Bachelor"),
            cls.MASTER: _l("Master"),
            cls.DOCTOR: _l("Doctorate"),
        }

    @property
    def level(self) -> int:
        return _EDUCATION_LEVEL[self]

    def at_least(self, other: Education) -> bool:
        return self.level >= other.level


# 高中 and 中专 are the same level for the admission rules.
_EDUCATION_LEVEL = {
    Education.JUNIOR_MIDDLE: 0,
    Education.SENIOR_HIGH: 1,
    Education.SECONDARY_VOCATIONAL: 1,
    Education.COLLEGE: 2,
    Education.BACHELOR: 3,
    Education.MASTER: 4,
    Education.DOCTOR: 5,
}
