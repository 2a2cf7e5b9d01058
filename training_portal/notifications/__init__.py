"""In-app notifications (and e-mail where configured), each sent once for the same thing."""
