app_name = "yawlit_bot"
app_title = "Yawlit Bot"
app_publisher = "Yawlit"
app_description = "WhatsApp booking and marketing bot for Yawlit"
app_email = "dev@yawlit.in"
app_license = "mit"

# Installation
# ------------
before_install = "yawlit_bot.install.before_install"
after_install = "yawlit_bot.install.after_install"
after_migrate = "yawlit_bot.install.after_migrate"
before_uninstall = "yawlit_bot.install.before_uninstall"

# Testing
# -------
before_tests = "yawlit_bot.install.before_tests"

# Requests
# --------
before_request = ["yawlit_bot.api.request_guard.install"]
after_request = [
	"yawlit_bot.api.request_guard.short_webhook_errors",
	"yawlit_bot.services.pipeline.inbound.release_left_ingest_locks",
]

# Scheduled tasks
# ---------------
# The sweeper re-queues inbound messages no job finished (a crash, a lost job) and retries
# replies WAPI refused; it is the safety net behind the per-message jobs.
scheduler_events = {
	"cron": {
		"* * * * *": ["yawlit_bot.services.pipeline.sweeper.sweep", "yawlit_bot.services.aftercare.follow_up.send_due"],
	},
}

# Removing the assignment of a taken-over conversation (the sidebar, the ToDo list) hands it
# back to the bot, so the sidebar and the bot never disagree about who answers.
doc_events = {
	"ToDo": {"on_update": "yawlit_bot.services.inbox.staff.on_assignment_change"},
}
