"""The staff inbox carried out: take over, hand back, a staff reply or template, a resend, the
thread and booking panel staff read."""
