"""Sites installed before a setting existed have no stored value for it: store every default
(`services.settings.store_missing_defaults`, which migrate runs too)."""

from yawlit_bot.services.site.settings import store_missing_defaults


def execute():
	store_missing_defaults()
