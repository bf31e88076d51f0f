// The WhatsApp Simulator: staff write as a customer from a test number of their choice and see
// the bot's replies as the customer's phone would. Messages go through the real pipeline
// (yawlit_bot.api.simulator.send: store, lock, turn, outbox); nothing is sent to WhatsApp.
{% include "yawlit_bot/public/js/chat_view.js" %}

const DEFAULT_NUMBER = "919999900001"; // a made-up number; any number no real customer has
const DEFAULT_PIN = { latitude: 18.5591, longitude: 73.7868, name: "Baner", address: "Baner Road, Baner, Pune 411045" };

frappe.pages["whatsapp-simulator"].on_page_load = function (wrapper) {
	const page = frappe.ui.make_app_page({ parent: wrapper, title: __("WhatsApp Simulator"), single_column: true });
	wrapper.simulator = new Simulator(page);
};

class Simulator {
	constructor(page) {
		this.page = page;
		const esc = yawlit_chat.escape;
		$(page.body).html(`
			<div class="yc-simulator" style="padding: 12px 0">
				<div class="d-flex align-items-end" style="gap: 8px; margin-bottom: 12px">
					<div><label class="control-label">${__("Customer number")}</label>
						<input class="form-control yc-number" style="width: 220px" value="${esc(localStorage.yawlit_sim_number || DEFAULT_NUMBER)}"></div>
					<button class="btn btn-default btn-sm yc-open">${__("Open")}</button>
					<button class="btn btn-default btn-sm yc-clear">${__("Clear This Number")}</button>
					<a class="btn btn-link btn-sm yc-conversation" target="_blank">${__("Open in Desk")}</a>
				</div>
				<p class="text-muted small">${__("Messages go through the real bot (store, turn, outbox) and are marked simulated: nothing reaches WhatsApp and no booking reaches Yawlit's ERP. Bookings made here are flagged simulated and kept off the day plan, but take seats until cleared.")}</p>
				<div class="row">
					<div class="col-md-7">
						<div class="yc-chat"></div>
						<div class="d-flex" style="gap: 8px; margin-top: 8px">
							<textarea class="form-control yc-customer-text" rows="2" placeholder="${__("Type as the customer (Enter sends)")}"></textarea>
							<button class="btn btn-primary btn-sm yc-send">${__("Send")}</button>
							<button class="btn btn-default btn-sm yc-pin" title="${__("Send a location pin")}">${__("Location")}</button>
						</div>
					</div>
					<div class="col-md-5"><div class="yc-booking-panel"></div></div>
				</div>
			</div>`);
		this.$ = (selector) => $(page.body).find(selector);
		this.$(".yc-open").on("click", () => this.open());
		this.$(".yc-clear").on("click", () => this.clear());
		this.$(".yc-send").on("click", () => this.send_text());
		this.$(".yc-pin").on("click", () => this.send_pin());
		this.$(".yc-customer-text").on("keydown", (e) => {
			if (e.key === "Enter" && !e.shiftKey) {
				e.preventDefault();
				this.send_text();
			}
		});
		this.open();
	}

	number() {
		return (this.$(".yc-number").val() || "").replace(/[^\d]/g, "");
	}

	open() {
		const number = this.number();
		if (!number) return;
		localStorage.yawlit_sim_number = number;
		this.chat && this.chat.destroy();
		this.$(".yc-conversation").attr("href", `/app/wa-conversation/${encodeURIComponent(number)}`);
		this.chat = new yawlit_chat.ChatView({
			wrapper: this.$(".yc-chat"),
			conversation: number,
			tappable: true,
			staff: false,
			mirror: true,
			on_tap: (choice) => this.post({ button_id: choice.id, button_title: choice.title }),
			on_change: () => this.show_booking(),
		});
		this.chat.refresh();
	}

	show_booking() {
		frappe
			.xcall("yawlit_bot.api.inbox.booking_panel", { conversation: this.number() })
			.then((data) => yawlit_chat.render_booking(this.$(".yc-booking-panel"), data));
	}

	async post(args) {
		if (!this.chat || this.chat.conversation !== this.number()) this.open();
		await frappe.xcall("yawlit_bot.api.simulator.send", { phone: this.number(), ...args });
		this.chat.refresh();
	}

	async send_text() {
		const text = this.$(".yc-customer-text").val();
		if (!text.trim()) return;
		this.$(".yc-customer-text").val("");
		await this.post({ text });
	}

	send_pin() {
		const dialog = new frappe.ui.Dialog({
			title: __("Send a location pin"),
			fields: [
				{ fieldname: "latitude", label: __("Latitude"), fieldtype: "Float", default: DEFAULT_PIN.latitude, precision: 6 },
				{ fieldname: "longitude", label: __("Longitude"), fieldtype: "Float", default: DEFAULT_PIN.longitude, precision: 6 },
				{ fieldname: "name", label: __("Place name"), fieldtype: "Data", default: DEFAULT_PIN.name },
				{ fieldname: "address", label: __("Address"), fieldtype: "Data", default: DEFAULT_PIN.address },
			],
			primary_action_label: __("Send"),
			primary_action: async (values) => {
				dialog.hide();
				await this.post({ location: JSON.stringify(values) });
			},
		});
		dialog.show();
	}

	clear() {
		frappe.confirm(__("Remove this simulated conversation, its messages and any booking it made?"), async () => {
			await frappe.xcall("yawlit_bot.api.simulator.clear", { phone: this.number() });
			this.open();
		});
	}
}
