"""STOP / START: only the bare word (or the template's opt-out button) is an opt command."""

import pytest

from yawlit_bot.engine.opt_out import OptCommand, read_opt_command

STOP, START = OptCommand.STOP, OptCommand.START


@pytest.mark.parametrize(
	"text,expected",
	[
		# the bare word, any case, trailing punctuation and spaces aside
		("STOP", STOP),
		("stop", STOP),
		("Stop", STOP),
		("Stop.", STOP),
		(" STOP! ", STOP),
		("stop?", STOP),
		("stop!!!", STOP),
		("\tstop\n", STOP),
		("stop\u00a0", STOP),  # a no-break space from a phone keyboard
		("unsubscribe", STOP),
		("UNSUBSCRIBE", STOP),
		("Unsubscribe.", STOP),
		("start", START),
		("Start", START),
		("START!", START),
		# a sentence that merely contains the word is the booking's business
		("please stop", None),
		("stop sending", None),
		("stop the booking", None),
		("bus stop road", None),
		("don't stop", None),
		("stop stop", None),
		("starting tomorrow", None),
		("start booking", None),
		("restart", None),
		("stopped", None),
		("unstop", None),
		("stop promotions", None),  # the button's title, but typed: not the bare word
		# Hinglish and emoji are not opt-outs either
		("band karo", None),
		("ruko", None),
		("mat bhejo", None),
		("🛑", None),
		("stop 🛑", None),
		# nothing at all
		("", None),
		("   ", None),
		("...", None),
		(None, None),
	],
)
def test_typed_text(text, expected):
	assert read_opt_command(text) is expected


@pytest.mark.parametrize(
	"button_id,title,expected",
	[
		# the template's opt-out quick reply, whatever its title
		("opt_out", "Stop promotions", STOP),
		("opt_out", "Don't send me offers", STOP),
		("opt_out", "", STOP),
		("opt_out", None, STOP),
		("OPT_OUT", "anything", STOP),
		("optout", "x", STOP),
		("stop_promotions", "x", STOP),
		# an id we don't know: the title WAPI copies into the text decides
		("b-123", "Stop promotions", STOP),
		("b-123", "STOP PROMOTIONS", STOP),
		("b-123", "Opt out", STOP),
		("b-123", "Stop", STOP),
		("b-123", "Resume promotions", START),
		("resume promotions", "Resume promotions", START),
		("opt_in", "x", START),
		# a booking-flow button is not an opt command
		("1", "Confirm", None),
		("2", "Change date", None),
		("b-123", "Stop the booking", None),
		("b-123", "", None),
		("b-123", None, None),
	],
)
def test_button(button_id, title, expected):
	assert read_opt_command(title, button_id) is expected


def test_empty_button_id_reads_the_text():
	assert read_opt_command("STOP", "") is STOP
	assert read_opt_command("please stop", "") is None


def test_commands_are_plain_strings():
	assert OptCommand.STOP == "stop"
	assert OptCommand.START == "start"


# ---------------------------------------------------------------- what a command does


def test_stop_opts_out_and_a_repeated_stop_keeps_the_record():
	from yawlit_bot.engine.opt_out import OptCommand, decide_opt_command
	from yawlit_bot.engine.replies import opted_out

	first = decide_opt_command(OptCommand.STOP, opted_out_now=False, has_record=False)
	assert (first.opted_out, first.write_record, first.reply) == (True, True, opted_out())
	again = decide_opt_command(OptCommand.STOP, opted_out_now=True, has_record=True)
	assert (again.opted_out, again.write_record) == (True, False)


def test_start_undoes_an_opt_out_and_is_an_ordinary_message_otherwise():
	from yawlit_bot.engine.opt_out import OptCommand, decide_opt_command
	from yawlit_bot.engine.replies import opted_in

	back = decide_opt_command(OptCommand.START, opted_out_now=True, has_record=True)
	assert (back.opted_out, back.write_record, back.reply) == (False, True, opted_in())
	assert decide_opt_command(OptCommand.START, opted_out_now=False, has_record=True) is None
	assert decide_opt_command(OptCommand.START, opted_out_now=False, has_record=False) is None
