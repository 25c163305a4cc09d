"""Messages: the generic outbox (claim, render, send exactly once) and the reminders it sends."""
