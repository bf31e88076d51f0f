// The "WhatsApp Bot" workspace's block (a Custom HTML Block, kept in the app and written on
// migrate): today's to-do, tomorrow's bookings with their reminder status, the feedback average.
// `root_element` is the block's shadow root (Frappe's custom block widget).
(function () {
	const body = root_element.querySelector(".yawlit-block-body");
	const esc = frappe.utils.escape_html;
	frappe.call({ method: "yawlit_bot.api.dashboard.day_plan", type: "GET" }).then((r) => {
		const plan = r.message;
		if (!plan) return;
		const titles = { upcoming: __("To come"), "in progress": __("Under way"), done: __("Done"), "no-show": __("No-show") };
		const counts = Object.entries(plan.counts)
			.map(([group, n]) => `<div class="yawlit-count" data-group="${esc(group)}" data-count="${n}"><b>${n}</b>${esc(titles[group] || group)}</div>`)
			.join("");
		const feedback = plan.feedback_average != null ? `${plan.feedback_average} / 5 (${plan.feedback_count})` : "–";
		const tomorrow = plan.tomorrow.length
			? plan.tomorrow
					.map(
						(b) => `<div class="yawlit-tomorrow-row" data-booking="${esc(b.name)}">
							<span>${esc(b.slot || "")}</span><span>${esc(b.customer || "")}</span>
							<span class="yawlit-muted">${esc(b.service || "")}</span>
							<span class="yawlit-reminder">${esc(b.reminder)}</span></div>`
					)
					.join("")
			: `<div class="yawlit-muted">${__("No bookings tomorrow yet")}</div>`;
		body.innerHTML = `
			<div class="yawlit-counts">${counts}<div class="yawlit-count yawlit-feedback"><b>${esc(feedback)}</b>${__("Feedback this month")}</div></div>
			<div class="yawlit-block-title">${__("Tomorrow")}</div>${tomorrow}
			<div style="margin-top:8px"><a href="/app/day-plan">${__("Open the day plan")}</a></div>`;
	});
})();
