"""Classes, sessions and attendance: cancellation policy, excusing and signing back up, provider-side session
changes, the calendar feed, attendees, make-ups and the waiting list."""
