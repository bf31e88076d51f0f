"""The Frappe side: read, lock, write, send. Services carry out the engine's decisions; they
do not make them. One package per capability, each importing only the ones listed below it:

- `aftercare/`  after "confirmed": reminders, the visit marked done, feedback requests, the day plan
- `inbox/`      what staff do in a conversation: take over, reply, hand back, resend
- `pipeline/`   a customer message's way: webhook store, ready list, turn jobs, the turn, the sweeper
- `campaigns/`  marketing: the audience, the batch sends at the set rate, the results
- `booking/`    the catalog, the slots and their seats, bookings and what customers answer on them
- `outbound/`   the bot's replies: message rows, the outbox, the send pacer
- `clients/`    HTTP clients of WAPI and Yawlit's ERP (no Frappe)
- `site/`       what every capability shares: settings, the bot's user and roles, locks, retries, clock
"""
