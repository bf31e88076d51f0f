"""A customer message's way through the bot: stored by the webhook first, offered to the ready
list, taken by a drain job, read and decided in one turn under the conversation's lock, its
replies handed to the outbox; the sweeper finds whatever a lost worker left behind."""
