"""Sites installed before the catalog get the sample catalog (only if they have no service)."""

from yawlit_bot.services.booking.sample_catalog import create_sample_catalog


def execute():
	create_sample_catalog()
