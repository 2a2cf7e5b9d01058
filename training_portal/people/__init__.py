"""People: one record per person (一人一档), keyed by 身份证号, and their posts."""
