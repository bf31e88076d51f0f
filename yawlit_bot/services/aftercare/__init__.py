"""After "confirmed": the reminders and feedback requests queued exactly once by the scheduler,
the visit marked done or no-show by staff, and the day plan staff see."""
