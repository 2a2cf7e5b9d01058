"""Every tunable number of the video analysis, each with the reason for its value.

Luma values are 8-bit video levels as decoded (limited range: black is 16, white 235).
"Samples" are the analysed frames, one per keyframe (every 2 s on a CCTV stream).
"""

# --------------------------------------------------------------------------- sampling
# The brief: a head count at least every 2 s; CCTV GOPs are 1-2 s, so keyframes suffice.
MAX_SAMPLE_INTERVAL_S = 2.0
# Keyframe spacing is measured on the first 30 s of packets; longer GOPs (some "smart"
# codecs use 4-10 s) switch to decoding every frame and sampling every 2 s instead.
GOP_PROBE_S = 30.0
# Timestamps in real files jitter by a frame or so; 0.15 s of slack before declaring the
# GOP too long avoids falling back to full decoding over rounding.
GOP_SLACK_S = 0.15

# --------------------------------------------------------------------------- probing
# Shorter than one second is not a classroom recording (and catches still images that
# FFmpeg happily opens as one-frame "videos").
MIN_DURATION_S = 1.0
# probe() decodes the last few seconds: a file cut short ends well before the duration its
# header promises. One GOP plus a little is the most a complete file may fall short by.
TAIL_CHECK_S = 3.0
TRUNCATION_TOLERANCE_S = 2.5

# --------------------------------------------------------------------------- image sizes
# Frames are reduced before measuring: 320 px wide keeps a burned-in clock's digits (about
# 7 px tall at this width on 540p footage) while making every measure below cheap.
WORK_WIDTH = 320
# The signature compared for replays and camera moves: 160 px wide still shows a head
# moving by a few pixels but is only 14 KB per sample (50 MB for a 2-hour recording).
SIGNATURE_WIDTH = 160
# Camera-move comparison is about the room's layout, not people: 64 px wide after a blur.
SCENE_WIDTH = 64

# --------------------------------------------------------------------------- faces (Haar)
# The frontal-face cascade's window: nothing smaller can be found at any scale.
HAAR_WINDOW_PX = 24
# Scan at the scale that makes the smallest expected face this big: a few pixels above the
# window, because faces at exactly the window size are found unreliably. Scan time grows
# as its square (28 px costs 8% more than 27 and found no more faces on our footage).
FACE_TARGET_PX = 27
# Before calibration: faces down to 4.5% of the frame height (24 px on 540 lines, 49 px on
# 1080) are looked for; a trainee filling less than that is too small to count anyway.
FACE_MIN_FRACTION = 0.045
# Pyramid step: 1.2 finds as many faces as 1.15 on our footage in 80% of the time; 1.25
# and up miss faces whose size falls between two steps (1.3 finds almost none).
HAAR_SCALE_FACTOR = 1.2
# Overlapping hits needed per face at such a coarse scan: with 3, one face in eight is
# missed on any sample; 2 finds 98% and the temporal check below (a face must also be seen
# 2 s before or after) removes the one-off false hits that lets through.
HAAR_MIN_NEIGHBOURS = 2
# Calibration: faces seen on 3 keyframes spread over the recording fix the scan scale.
CALIBRATION_POINTS = (0.25, 0.5, 0.75)
# Fewer faces than this in calibration tells nothing about face size: use the fine scan.
CALIBRATION_MIN_FACES = 3
# The scan is fitted to faces 10% smaller than the 20th percentile of calibration face
# sizes (up to the largest / 0.9), and the 24 px window reaches 11% below that: people
# lean back and forward. A wider margin costs time as its square (0.85 scans 12% more
# pixels than 0.9, 0.75 44% more) and found no more faces on our footage.
CALIBRATION_SIZE_MARGIN = 0.9
CALIBRATION_PERCENTILE = 20.0
# The same face in the next sample (2 s later) is within half a face width of where it was:
# people sit; anyone moving farther is a new detection.
TRACK_MAX_SHIFT = 0.5

# --------------------------------------------------------------------------- picture quality
# Lights off: the mean luma of a lit classroom is 90-170; a dark room with an unlit camera
# is 16-35. 45 leaves room for a dim but usable room (about 60 and up still counts faces).
DARK_LUMA = 45.0
# Texture = share of pixels on an edge (Sobel magnitude above EDGE_MAGNITUDE) in the
# grid cell at the COVERED_PERCENTILE of an 8x6 grid. A lens covered by a hand or tape
# leaves almost no edges except the burned-in clock and caption (at most a few cells, hence
# a high percentile, not the maximum); a classroom has edges in most cells.
EDGE_MAGNITUDE = 48.0
TEXTURE_GRID = (8, 6)
COVERED_PERCENTILE = 70.0
COVERED_TEXTURE = 0.02
# A stretch must last this long to be reported: a hand passing the lens or the lights
# flickering for one sample is not an incident.
COVERED_MIN_S = 4.0
DARK_MIN_S = 4.0

# --------------------------------------------------------------------------- frozen
# Two keyframes 2 s apart differ in at least the clock's seconds digits (tens of pixels
# above 40 levels at WORK_WIDTH); re-encoding noise of an identical picture stays far
# below 40 levels. Up to 3 such pixels are allowed for codec noise on edges.
FROZEN_PIXEL_DELTA = 40
FROZEN_MAX_CHANGED_PX = 3
# At least 3 identical keyframes (4 s): one identical pair can be a camera whose clock
# shows no seconds over a motionless room for a moment.
FROZEN_MIN_S = 4.0

# --------------------------------------------------------------------------- scene change
# Zero-mean normalised correlation of the blurred 64 px view with the reference view. The
# same room with people coming and going stays above 0.8; a camera turned or moved so the
# layout shifts by a tenth of the frame or more falls below 0.6.
SCENE_MIN_SIMILARITY = 0.6
# Blur (sigma, in SCENE_WIDTH pixels) before comparing: faces and clothes should not count.
SCENE_BLUR = 1.5
# Without a reference JPEG, the reference is the median of the first run of this many
# consecutive trusted samples (10 s): one odd frame cannot become the reference.
REFERENCE_SAMPLES = 5
SCENE_MIN_S = 4.0

# --------------------------------------------------------------------------- looped (replay)
# Differences per pixel are compared after dropping the largest OVERLAY_FRACTION of them:
# a burned-in clock and caption cover under 2% of the frame, so a replay under a running
# clock still matches the original once they are ignored.
OVERLAY_FRACTION = 0.03
# A replayed keyframe matches its original within codec noise (under 0.5 level when cut at
# keyframes, up to 2 when its keyframes fall 0.4 s off the original's); two live moments
# of a class at least 30 s apart differ by 3 levels and more because people move.
LOOP_MAX_DISTANCE = 2.0
# ...and the match must stand out: the samples LOOP_CONTEXT_SAMPLES away from the original
# (6-14 s) must all differ from the replay at least 1/LOOP_DISTINCT_RATIO times as much. In
# a motionless room every frame matches every other equally, and a replay of it cannot be
# told from live footage, so it is not reported.
LOOP_DISTINCT_RATIO = 0.5
LOOP_CONTEXT_SAMPLES = (3, 5, 7)
# Only footage at least this much older is looked at: a replay of the last half minute is
# indistinguishable from a quiet class.
LOOP_MIN_GAP_S = 30.0
# Blends of neighbouring originals tried for a replay whose keyframes fall between the
# original's (quarter steps of 2 s: within 0.25 s of any moment).
LOOP_BLENDS = (0.25, 0.5, 0.75)
# Blends are tried only when the plain difference is under this many times the limit: on
# our footage blending lowers a difference by at most half, and skipping it elsewhere
# halves the time spent looking for replays.
LOOP_BLEND_WORTH = 2.5
# Nearest coarse candidates checked in detail per sample.
LOOP_CANDIDATES = 3
# A replay shorter than this is not reported; one sample of a run may fail to match
# (codec noise at a scene detail) without splitting the run.
LOOP_MIN_S = 8.0
LOOP_RUN_GAP_SAMPLES = 1

# --------------------------------------------------------------------------- head count
# Counts are smoothed with a running median over this many samples (10 s) before comparing
# with the roster: one missed face must not raise "absent".
COUNT_SMOOTH_SAMPLES = 5
# A head count different from the roster for at least this long is reported; a trainee
# fetching a glass of water is not absent.
ABSENT_MIN_S = 20.0
OVERCROWDED_MIN_S = 20.0

# --------------------------------------------------------------------------- evidence
# progress() is called when the fraction done has grown by at least this much (a Celery
# task stores every call: 1% steps are 100 writes at most).
PROGRESS_STEP = 0.01

# Evidence frames: 320 px wide JPEG at quality 80 (about 15 KB), enough to see a room.
EVIDENCE_WIDTH = 320
EVIDENCE_QUALITY = 80
