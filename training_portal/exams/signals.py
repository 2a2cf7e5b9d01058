"""What later domains may listen to (certificates follow passed results), sent inside the
transaction that decided: a listener's writes commit or roll back with the decision."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sender: the ExamSession whose second signature published its results.
session_published = _signals.signal("session-published")
# Sender: the PracticalExam just decided (passed or not).
practical_decided = _signals.signal("practical-decided")
