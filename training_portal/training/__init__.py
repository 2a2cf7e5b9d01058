"""Training: courses, class sessions, attendance, verified hours and continuing education."""
