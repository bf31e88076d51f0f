// Copyright (c) 2026, Yawlit and contributors
// For license information, please see license.txt

function show_webhook_url(url) {
	frappe.msgprint({
		title: __("Webhook URL for WAPI"),
		indicator: "orange",
		message: __("Paste this URL into WAPI's webhook setting. It contains the secret and is shown only now:")
			+ `<pre style="white-space: pre-wrap; user-select: all;">${frappe.utils.escape_html(url)}</pre>`,
	});
}

frappe.ui.form.on("WA Bot Settings", {
	onload(frm) {
		if (!frappe.user.has_role("System Manager")) return;
		frappe.call("yawlit_bot.yawlit_bot.doctype.wa_bot_settings.wa_bot_settings.reveal_webhook_url_once")
			.then((r) => {
				const answer = r.message || {};
				if (answer.url) show_webhook_url(answer.url);
				if (answer.address_problem) {
					frm.dashboard.set_headline_alert(frappe.utils.escape_html(answer.address_problem), "orange");
				}
			});
	},
	refresh(frm) {
		if (!frappe.user.has_role("System Manager")) return;
		frm.add_custom_button(__("Regenerate Webhook Secret"), () => {
			frappe.confirm(__("The current webhook URL will stop working at once. Continue?"), () => {
				frappe.call("yawlit_bot.yawlit_bot.doctype.wa_bot_settings.wa_bot_settings.regenerate_webhook_secret")
					.then((r) => {
						show_webhook_url(r.message);
						frm.reload_doc();
					});
			});
		});
	},
});
