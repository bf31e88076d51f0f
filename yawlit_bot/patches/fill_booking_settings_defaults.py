"""Sites installed before a booking setting existed (the reminder times, the feedback delay)
have no stored value for it: store the form's default (`services.settings.store_missing_defaults`,
which migrate runs too). Time fields especially: Frappe would otherwise show the moment the form
is opened."""

from yawlit_bot.services.site.settings import store_missing_defaults


def execute():
	store_missing_defaults()
