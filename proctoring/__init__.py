"""Classroom and exam-room video: uploads and OpenCV analysis (issue: video proctoring)."""
