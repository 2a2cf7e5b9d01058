"""安全文化 milestones: each mine reports, regulators accept or send back, excellent cases are
published to everyone."""
