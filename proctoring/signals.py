"""What other domains may listen to: a recording stored, analysed or failed changes what its
classroom's lessons can prove (the training side re-checks their verified hours)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the Recording as sender, inside the transaction that changed it.
recording_changed = _signals.signal("recording-changed")
