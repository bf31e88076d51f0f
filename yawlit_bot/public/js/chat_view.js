// The chat view shared by the WA Conversation form and the WhatsApp Simulator page (each
// includes this file). Messages come from yawlit_bot.api.inbox.thread; every text a customer
// or anyone else wrote is escaped before it is shown, never run as markup.
window.yawlit_chat = window.yawlit_chat || {};

(function (chat) {
	const EVENT = "yawlit_bot_thread";
	const POLL_MS = 4000; // only while the realtime socket is not connected
	const PAGE = 50; // the latest first, older ones on scrolling up
	const MAX_PAGE = 200; // what the server gives at most in one call
	const TICKS = { Queued: "🕓", Sending: "🕓", Sent: "✓", Delivered: "✓✓", Read: "✓✓" };
	const FAILED = ["Failed", "Unknown", "Not handled"];
	const MEDIA = {
		image: "📷 Photo", video: "🎥 Video", audio: "🎤 Voice message", document: "📄 Document",
		sticker: "Sticker", contacts: "Contact card", reaction: "Reaction",
	};
	const SOURCE_LABELS = {
		rule: __("Rules"), model: __("Language model"), "location pin": __("Location pin"),
		"customer edit": __("Customer's correction"), staff: __("Staff"),
	};

	const CSS = `
	.yc-thread { max-height: 560px; overflow-y: auto; padding: 12px; background: #efeae2; border-radius: 8px; }
	.yc-row { display: flex; margin: 4px 0; }
	.yc-row.yc-customer { justify-content: flex-start; }
	.yc-row.yc-bot, .yc-row.yc-staff, .yc-row.yc-campaign { justify-content: flex-end; }
	.yc-bubble { max-width: 72%; padding: 6px 10px; border-radius: 8px; background: #fff; box-shadow: 0 1px 1px rgba(0,0,0,.08); }
	.yc-bot .yc-bubble { background: #d9fdd3; }
	.yc-staff .yc-bubble { background: #cfe9ff; }
	.yc-campaign .yc-bubble { background: #fff4c2; }
	.yc-mirror .yc-row.yc-customer { justify-content: flex-end; }
	.yc-mirror .yc-row.yc-bot, .yc-mirror .yc-row.yc-staff, .yc-mirror .yc-row.yc-campaign { justify-content: flex-start; }
	.yc-mirror .yc-customer .yc-bubble { background: #d9fdd3; }
	.yc-mirror .yc-bot .yc-bubble { background: #fff; }
	.yc-by { font-size: 11px; font-weight: 600; color: #1f6fb2; margin-bottom: 2px; }
	.yc-campaign .yc-by { color: #8a6d00; }
	.yc-text { white-space: pre-wrap; word-break: break-word; }
	.yc-meta { font-size: 11px; color: #667781; text-align: right; margin-top: 2px; }
	.yc-tick[data-status="Read"] { color: #53bdeb; }
	.yc-choices { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 4px; }
	.yc-choice { font-size: 12px; border: 1px solid #b9d8c2; border-radius: 12px; padding: 1px 8px; background: #fff; color: #0a7c66; }
	button.yc-choice { cursor: pointer; }
	.yc-section { font-size: 11px; color: #667781; width: 100%; }
	.yc-failed { margin-top: 4px; font-size: 12px; color: #c0392b; }
	.yc-older { text-align: center; font-size: 12px; color: #667781; margin-bottom: 6px; }
	.yc-empty { text-align: center; color: #667781; padding: 24px; }
	.yc-booking table td { padding: 2px 6px; vertical-align: top; }
	`;

	function ensure_style() {
		if (!document.getElementById("yawlit-chat-style")) {
			$("<style id='yawlit-chat-style'>").text(CSS).appendTo(document.head);
		}
	}

	const esc = (text) => frappe.utils.escape_html(text == null ? "" : String(text));

	function when(at) {
		if (!at) return "";
		const local = frappe.datetime.convert_to_user_tz(at, false);
		const today = moment().format("YYYY-MM-DD") === local.format("YYYY-MM-DD");
		return today ? local.format("HH:mm") : local.format("DD MMM, HH:mm");
	}

	function body(message) {
		if (message.type === "location" && message.location) {
			const loc = message.location;
			const label = esc(loc.name || loc.address || __("Location"));
			const q = encodeURIComponent(`${loc.latitude},${loc.longitude}`);
			return `📍 <a href="https://maps.google.com/?q=${q}" target="_blank" rel="noopener noreferrer">${label}</a>
				<div class="text-muted small">${esc(loc.address || "")} (${esc(loc.latitude)}, ${esc(loc.longitude)})</div>`;
		}
		if (!message.text && MEDIA[message.type]) return esc(MEDIA[message.type]);
		return esc(message.text || `(${message.type})`);
	}

	class ChatView {
		// wrapper: a jQuery element; tappable: buttons and list rows can be tapped (simulator);
		// staff: failed replies get a Retry; mirror: the customer's side on the right, as the
		// customer's own phone shows it (simulator); on_change(thread): after each load.
		constructor({ wrapper, conversation, tappable = false, staff = true, mirror = false, on_change = null, on_tap = null }) {
			ensure_style();
			Object.assign(this, { wrapper, conversation, tappable, staff, on_change, on_tap });
			this.messages = [];
			this.more = false;
			this.oldest = null;
			this.$thread = $(`<div class="yc-thread${mirror ? " yc-mirror" : ""}" data-conversation="${esc(conversation)}"></div>`).appendTo(wrapper.empty());
			this.$thread.on("scroll", () => {
				if (this.$thread.scrollTop() < 40 && this.more && !this.loading) this.load_older();
			});
			this.$thread.on("click", ".yc-retry", (e) => this.retry($(e.currentTarget).attr("data-name")));
			this.$thread.on("click", "button.yc-choice", (e) => {
				const $b = $(e.currentTarget);
				this.on_tap && this.on_tap({ id: $b.attr("data-id"), title: $b.attr("data-title") });
			});
			this.listen();
		}

		listen() {
			this.handler = (data) => {
				if (data && data.conversation === this.conversation) this.refresh();
			};
			frappe.realtime.doc_subscribe("WA Conversation", this.conversation);
			frappe.realtime.on(EVENT, this.handler);
			this.poller = setInterval(() => {
				const socket = frappe.realtime.socket;
				if (!(socket && socket.connected) && document.body.contains(this.$thread[0])) this.refresh();
			}, POLL_MS);
		}

		// Frappe refuses (and remembers) a subscription to a document that does not exist yet: a
		// simulator number's first message creates it, so subscribe again once it has messages.
		subscribe_once_it_exists(thread) {
			if (this.subscribed || !thread.messages.length) return;
			this.subscribed = true;
			frappe.realtime.doc_unsubscribe("WA Conversation", this.conversation);
			setTimeout(() => frappe.realtime.doc_subscribe("WA Conversation", this.conversation), 1100); // Frappe allows one a second
		}

		destroy() {
			frappe.realtime.off(EVENT, this.handler);
			clearInterval(this.poller);
		}

		fetch(before, limit) {
			return frappe.xcall("yawlit_bot.api.inbox.thread", {
				conversation: this.conversation, before: before || null, limit: limit || PAGE,
			});
		}

		// Everything shown, again: new messages appear and changed statuses move their ticks. As
		// many as are shown (older pages included), so none drops out between the pages.
		async refresh() {
			const shown = this.messages.filter((m) => m.who !== "campaign").length;
			const thread = await this.fetch(null, Math.min(Math.max(PAGE, shown + 10), MAX_PAGE));
			const at_bottom = this.near_bottom();
			this.messages = thread.messages;
			this.oldest = thread.oldest;
			this.more = thread.more;
			this.thread = thread;
			this.subscribe_once_it_exists(thread);
			// Drawn again only when something changed: a poll must not undo a selection or a scroll.
			const drawn = JSON.stringify([thread.more, thread.messages]);
			if (drawn !== this.drawn) {
				this.drawn = drawn;
				this.render();
			}
			if (at_bottom || !this.loaded) this.scroll_to_bottom();
			this.loaded = true;
			this.on_change && this.on_change(thread);
			return thread;
		}

		async load_older() {
			this.loading = true;
			try {
				const thread = await this.fetch(this.oldest);
				const height = this.$thread[0].scrollHeight;
				this.messages = thread.messages.concat(this.messages);
				this.oldest = thread.oldest || this.oldest;
				this.more = thread.more;
				this.drawn = null;
				this.render();
				this.$thread.scrollTop(this.$thread[0].scrollHeight - height);
			} finally {
				this.loading = false;
			}
		}

		near_bottom() {
			const el = this.$thread[0];
			return el.scrollHeight - el.scrollTop - el.clientHeight < 60;
		}

		scroll_to_bottom() {
			this.$thread.scrollTop(this.$thread[0].scrollHeight);
		}

		render() {
			if (!this.messages.length) {
				this.$thread.html(`<div class="yc-empty">${__("No messages yet.")}</div>`);
				return;
			}
			const older = this.more ? `<div class="yc-older">${__("Scroll up for older messages")}</div>` : "";
			this.$thread.html(older + this.messages.map((m) => this.bubble(m)).join(""));
		}

		bubble(m) {
			const by = m.who === "staff" ? esc(m.by) : m.who === "campaign" ? `${__("Campaign")}: ${esc(m.by)}` : m.who === "bot" ? __("Bot") : "";
			const tick = m.status && TICKS[m.status] ? `<span class="yc-tick" data-status="${esc(m.status)}" title="${esc(__(m.status))}">${TICKS[m.status]}</span>` : "";
			const failed = FAILED.includes(m.status)
				? `<div class="yc-failed"><span class="indicator-pill red">${esc(__(m.status === "Unknown" ? "Not confirmed" : m.status))}</span>
					${esc(m.error || "")}
					${this.staff && m.who !== "customer" && m.who !== "campaign" ? `<button class="btn btn-xs btn-default yc-retry" data-name="${esc(m.name)}">${__("Retry")}</button>` : ""}</div>`
				: "";
			return `<div class="yc-row yc-${esc(m.who)}" data-name="${esc(m.name)}" data-status="${esc(m.status || "")}">
				<div class="yc-bubble">
					${by ? `<div class="yc-by">${by}</div>` : ""}
					<div class="yc-text">${body(m)}</div>
					${this.choices(m)}
					<div class="yc-meta">${esc(when(m.at))} ${tick}</div>
					${failed}
				</div></div>`;
		}

		choices(m) {
			if (!m.choices || !m.choices.length) return "";
			let section = null;
			const items = m.choices.map((c) => {
				let head = "";
				if (c.section && c.section !== section) {
					section = c.section;
					head = `<div class="yc-section">${esc(section)}</div>`;
				}
				const title = esc(c.title);
				const tip = c.description ? ` title="${esc(c.description)}"` : "";
				return this.tappable
					? `${head}<button class="yc-choice" data-id="${esc(c.id)}" data-title="${title}"${tip}>${title}</button>`
					: `${head}<span class="yc-choice"${tip}>${title}</span>`;
			});
			return `<div class="yc-choices">${items.join("")}</div>`;
		}

		async retry(name) {
			const message = this.messages.find((m) => String(m.name) === String(name));
			const send = async (confirmed) => {
				await frappe.xcall("yawlit_bot.api.inbox.retry", { message: name, confirmed: confirmed ? 1 : 0 });
				frappe.show_alert({ message: __("Sending again"), indicator: "blue" });
				this.refresh();
			};
			if (message && message.status === "Unknown") {
				// No answer came for it: WhatsApp may have delivered it, and the customer would get it twice.
				frappe.confirm(__("WhatsApp may have delivered this reply already. Send it again anyway?"), () => send(true));
			} else {
				send(false);
			}
		}
	}

	// Beside the chat: the booking being collected, where each value came from, what is missing,
	// and the customer's bookings.
	function render_booking($wrapper, data) {
		const rows = (data.fields || [])
			.map((f) => `<tr><td class="text-muted">${esc(__(f.label))}</td>
				<td>${esc(f.field === "appointment_date" ? frappe.datetime.str_to_user(f.value) : f.value)}</td>
				<td class="text-muted small">${esc(SOURCE_LABELS[f.source] || f.source)}</td></tr>`)
			.join("");
		const missing = (data.missing || []).length
			? `<p class="small"><b>${__("Still missing")}:</b> ${data.missing.map((m) => esc(__(m))).join(", ")}</p>`
			: "";
		const pad = data.scratchpad
			? `<p class="small">${__("Booking details")} <a href="/app/wa-booking-scratchpad/${encodeURIComponent(data.scratchpad.name)}">${esc(data.scratchpad.name)}</a> (${esc(__(data.scratchpad.status))})</p>`
			: `<p class="text-muted small">${__("No booking being collected.")}</p>`;
		const bookings = (data.bookings || [])
			.map((b) => `<li><a href="/app/wa-service-booking/${encodeURIComponent(b.name)}">${esc(b.name)}</a>
				${esc(b.service_type || "")} ${esc(b.appointment_date ? frappe.datetime.str_to_user(b.appointment_date) : "")} ${esc(b.time_slot || "")}
				<span class="text-muted">${esc(__(b.status || ""))}</span></li>`)
			.join("");
		$wrapper.html(`<div class="yc-booking">${pad}
			${rows ? `<table class="small"><tbody>${rows}</tbody></table>` : ""}
			${missing}
			<p class="small" style="margin-top:8px"><b>${__("Bookings")}</b></p>
			${bookings ? `<ul class="small">${bookings}</ul>` : `<p class="text-muted small">${__("None yet.")}</p>`}</div>`);
	}

	chat.EVENT = EVENT;
	chat.ChatView = ChatView;
	chat.render_booking = render_booking;
	chat.escape = esc;
})(window.yawlit_chat);
