"""Exams under 双审核双监考: applications and their two reviews, sessions with two proctors,
attempts at random papers, grading, signed room records and published results."""
