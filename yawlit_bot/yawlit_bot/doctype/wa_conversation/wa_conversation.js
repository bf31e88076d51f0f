// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

// The conversation as a chat: bubbles with ticks, live; beside it the booking being collected.
// Staff take the conversation over from the bot, reply from the box under the chat (Enter sends,
// Shift+Enter a new line) and hand it back. The server decides what is allowed
// (yawlit_bot.api.inbox); this form only shows it.
{% include "yawlit_bot/public/js/chat_view.js" %}

frappe.ui.form.on("WA Conversation", {
	refresh(frm) {
		show_chat(frm);
		show_holder(frm);
		if (frm.doc.unread_count) {
			frappe.xcall("yawlit_bot.api.inbox.mark_read", { conversation: frm.doc.name });
		}
	},
	before_unload(frm) {
		frm.chat && frm.chat.destroy();
	},
});

function taken_by_me(frm) {
	return frm.doc.taken_by === frappe.session.user;
}

function show_holder(frm) {
	frm.clear_custom_buttons();
	if (!frm.doc.taken_by) {
		frm.add_custom_button(__("Take Over"), () => act(frm, "take_over", __("You have the conversation: the bot will not answer until you hand it back.")));
		frm.set_intro(
			frm.doc.needs_person ? __("Needs a person: {0}", [frappe.utils.escape_html(frm.doc.needs_person_reason || "")]) : "",
			"orange"
		);
	} else {
		const name = frappe.user.full_name(frm.doc.taken_by);
		if (taken_by_me(frm) || frappe.user.has_role("System Manager")) {
			frm.add_custom_button(__("Hand Back to Bot"), () => act(frm, "hand_back", __("The bot answers this conversation again.")));
		}
		frm.set_intro(
			taken_by_me(frm)
				? __("You have taken this conversation: the bot stores the customer's messages but does not answer.")
				: __("{0} has taken this conversation: the bot does not answer it.", [frappe.utils.escape_html(name)]),
			"blue"
		);
	}
}

async function act(frm, method, done) {
	await frappe.xcall(`yawlit_bot.api.inbox.${method}`, { conversation: frm.doc.name });
	frappe.show_alert({ message: done, indicator: "green" });
	frm.reload_doc();
}

function show_chat(frm) {
	const field = frm.get_field("chat_html");
	if (!field || frm.is_new()) return;
	if (!frm.chat || frm.chat.conversation !== frm.doc.name || !document.body.contains(frm.chat.$thread[0])) {
		frm.chat && frm.chat.destroy();
		field.$wrapper.empty();
		const $thread = $("<div>").appendTo(field.$wrapper);
		frm.$composer = $("<div class='yc-composer' style='margin-top:8px'>").appendTo(field.$wrapper);
		frm.chat = new yawlit_chat.ChatView({
			wrapper: $thread,
			conversation: frm.doc.name,
			on_change: (thread) => {
				show_composer(frm, thread);
				show_booking(frm);
			},
		});
	}
	frm.chat.refresh();
}

function show_booking(frm) {
	const field = frm.get_field("booking_html");
	if (!field) return;
	frappe.xcall("yawlit_bot.api.inbox.booking_panel", { conversation: frm.doc.name }).then((data) =>
		yawlit_chat.render_booking(field.$wrapper, data)
	);
}

function show_composer(frm, thread) {
	const $c = frm.$composer;
	if (thread.taken_by !== frappe.session.user) {
		$c.html(
			thread.taken_by
				? ""
				: `<p class="text-muted small">${__("The bot is answering. Take over to write to the customer yourself.")}</p>`
		);
		return;
	}
	if (!thread.in_window) {
		$c.html(`<div class="alert alert-warning small yc-window-closed">
			${__("The customer's last message is more than 24 hours old: WhatsApp takes only an approved template now.")}
			${thread.has_template
				? `<button class="btn btn-xs btn-primary yc-send-template">${__("Send Template")}</button>`
				: __("Set one in {0}.", [`<a href="/app/wa-bot-settings">${__("WA Bot Settings")}</a>`])}
		</div>`);
		$c.find(".yc-send-template").on("click", async (e) => {
			const $button = $(e.currentTarget).prop("disabled", true); // one paid template per click
			try {
				await frappe.xcall("yawlit_bot.api.inbox.send_template", { conversation: frm.doc.name });
				frm.chat.refresh();
			} finally {
				$button.prop("disabled", false);
			}
		});
		return;
	}
	if ($c.find("textarea").length) return; // keep what is being typed
	$c.html(`<div class="d-flex" style="gap:8px">
		<textarea class="form-control yc-reply" rows="2" placeholder="${__("Reply to the customer (Enter sends, Shift+Enter for a new line)")}"></textarea>
		<button class="btn btn-primary btn-sm yc-send">${__("Send")}</button></div>
		<p class="text-muted small yc-window">${__("WhatsApp takes free text until {0}.", [
			frappe.datetime.str_to_user(frappe.datetime.convert_to_user_tz(thread.window_closes_at)),
		])}</p>`);
	const $text = $c.find("textarea");
	const send = async () => {
		const text = $text.val();
		if (!text.trim() || frm.sending) return;
		frm.sending = true;
		try {
			await frappe.xcall("yawlit_bot.api.inbox.send_reply", { conversation: frm.doc.name, text });
			$text.val("");
			frm.chat.refresh();
		} finally {
			frm.sending = false;
		}
	};
	$text.on("keydown", (e) => {
		if (e.key === "Enter" && !e.shiftKey) {
			e.preventDefault();
			send();
		}
	});
	$c.find(".yc-send").on("click", send);
}
