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

# The recording is measured in 5-minute chunks, each warmed up on the 40 s before it (a full
# face scan and what follows it, so the faces known at its start are known as in a pass from
# the beginning; the first chunk warms up on its own first 40 s).
# Chunks are independent, so threads take them in any order and the report is the same.
# The warm-up costs 13% more decoding on a 5-minute chunk (a 2-hour lesson: 24 chunks).
CHUNK_S = 300.0
CHUNK_WARMUP_S = 40.0

# --------------------------------------------------------------------------- probing
# Shorter than one second is not a video of anything (the portal refuses uploads shorter
# than its policy's minutes; the library analyses any complete video) (and catches still images that
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

# --------------------------------------------------------------------------- faces
# The face detector, by its name in ``detectors`` (libfacedetection: BSD-3, weights inside).
DETECTOR = "libfacedetection"
# Calibration: faces found on 3 keyframes spread over the recording, the whole frame scanned
# at full size, fix which rows are scanned later and at which scale (``faces.fitted_plan``).
CALIBRATION_POINTS = (0.25, 0.5, 0.75)
# Fewer faces than this tell nothing about face sizes: every later frame is scanned whole.
CALIBRATION_MIN_FACES = 3
# Faces may come 25% larger than any seen in calibration (people lean forward): the size
# model is clipped there.
FACE_SIZE_MARGIN = 0.75
# Rows scanned: from 3 face heights above the highest face seen (someone standing up, a
# visitor along the back wall) to 1.5 below the lowest (leaning forward over a desk).
ROI_ABOVE_FACES = 3.0
ROI_BELOW_FACES = 1.5
# A band owns the face centres in 3 face heights of rows and reaches 0.75 of a face beyond
# them, so a face whose centre is its own lies whole in it (2 scanned 20% more pixels).
BAND_FACES = 3.0
BAND_OVERLAP = 0.75
# Bands are resized by at most these factors: a quarter for faces of 80 px and up (they
# stay well above the detector's smallest), 1.6 for the smallest faces at the back.
MIN_BAND_SCALE = 0.25
MAX_BAND_SCALE = 1.6
# A full face scan on the first sample of every 40 s of the recording; in between, each face
# found is followed (below), and a full scan runs as soon as the 1/4-size luma changed by
# more than 30 levels, outside the outlines of the people known, in more pixels than twice
# the smallest face covers (a head seen over a desk at the back changes about that much;
# codec noise and swaying stay inside the outlines; 4 times missed someone moving seats at
# the back for 10 s). Every 20 s instead of 40 cost 25% more for no better count.
FULL_SCAN_S = 40.0
# At a full scan, the faces known before it, those the full scans of the 2 anchors before
# found and those found in calibration are looked for again in crops when the scan lacks
# them: a small face that a full scan misses now and then is not lost for a whole slot.
RESCUE_ANCHORS = 2
# A face known but not found is looked for again on the next 3 samples (6 s) before it is
# forgotten: a small face looking down is missed on a sample or two now and then.
MAX_MISSES = 3
# A face known is looked for again in a crop reaching 1 face height around it; if it is not
# there, within 3 face heights (someone walking to another seat moves 1-2 faces in 2 s), but
# not where another face known is.
LOOK_AGAIN_MARGIN = 1.0
WIDE_LOOK_FACES = 3.0
# Before that, a face is followed by matching its picture from when the detector last found
# it, at 12 px high, within half a face around where it was; a normalised correlation of
# 0.7 or more is the same face (swaying, the codec's noise); a wall or another face where
# it sat scores well below.
FOLLOW_FACE_PX = 12
FOLLOW_MARGIN = 0.5
FOLLOW_MIN_MATCH = 0.7
# The crop is scaled so the face measures 24 px: in a crop this small the detector needs
# faces a little larger than in a band to find all the faces a full scan found (18 px: 91%).
LOOK_AGAIN_FACE_PX = 24
CHANGE_REDUCE = 4
CHANGE_PIXEL_DELTA = 30
CHANGE_FACES = 2.0
# Two boxes whose centres are closer than half a face are one face found twice.
SAME_FACE_SHIFT = 0.5
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
# Whether a match stands out is judged on the pixels that change over the recording
# (standard deviation over the trusted samples above 3 levels: people, the clock), when they
# are at least 2% of the picture. With faces at CCTV scale people fill a tenth of it; compared over the whole
# picture a replay 0.4 s off its original's keyframes differed by 0.8 level and the moments
# around the original by only 1.1-1.7 (walls and desks are the same in both).
LOOP_LIVE_STD = 3.0
LOOP_LIVE_MIN_SHARE = 0.02
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
