"""The bot's roles: who reads the bot's conversations and bookings and keeps its catalog, and who
runs campaigns. Created at install (`install.ensure_roles`)."""

BOT_ROLE = "WA Bot Manager"
CAMPAIGN_ROLE = "WA Campaign Manager"  # sends campaigns; reads their recipients and opt-outs
