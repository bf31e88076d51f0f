"""Sites installed when Frappe stored the install's moment in both Time fields of WA Booking
Settings (opens_at == closes_at: no slot on any day) get 06:00-18:00; hours an admin set that
allow a slot are kept (services/site/settings.py, repair_opening_hours)."""

from yawlit_bot.services.site.settings import repair_opening_hours


def execute():
	repair_opening_hours()
