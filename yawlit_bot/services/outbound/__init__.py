"""The bot's messages out: the message rows, the outbox that sends them after commit, the one
send rate every sender shares."""
