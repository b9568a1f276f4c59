// overview.js: #/overview, today and the last 7 days in the caller's
// area (GET /api/v1/overview): messages in and out, the delivery rate,
// failures by provider and reason, queue depths, open tickets and
// overdue tasks, as numbers and Chart.js charts.  Each chart has its
// numbers in a table beneath it for screen readers and keyboards.  When
// every chart is drawn the page sets the performance mark
// "fupin-overview-drawn" (bench/console_page_bench.py reads it).

import {h, replace, table} from '../dom.js';
import {tr, t, fmtNum, fmtPct, lang} from '../i18n.js';
import * as api from '../api.js';
import {loadChart, COLORS, PALETTE, baseOptions} from '../charts.js';

const D = {
	zh: {
		title: '概况',
		scope: '范围：{area}',
		today: '今天',
		week: '近 7 天',
		mo: '收到短信',
		mt: '发出短信',
		delivered: '已送达',
		failed: '失败',
		rate: '送达率',
		open_tickets: '待处理反馈',
		open_tasks: '未完成任务',
		overdue_tasks: '逾期任务',
		escalated_tasks: '已重发任务',
		queued: '待发队列',
		c_daily: '近 7 天每日短信',
		c_rate: '近 7 天送达率',
		c_fail: '近 7 天失败原因（按通道）',
		c_queue: '队列',
		day: '日期',
		count: '数量',
		provider: '通道',
		reason: '原因',
		queue: '队列',
		depth: '积压',
		as_table: '数据表',
		no_failures: '近 7 天没有失败。',
		q_outbox_queued: '待发短信',
		q_outbox_sending: '发送中短信',
		q_event_outbox: '待转发事件',
		q_dlr_callbacks: '待回调状态报告',
		updated: '更新于 {time}',
		refresh: '刷新',
		rate_none: '–',
	},
	en: {
		title: 'Overview',
		scope: 'Area: {area}',
		today: 'Today',
		week: 'Last 7 days',
		mo: 'SMS in',
		mt: 'SMS out',
		delivered: 'Delivered',
		failed: 'Failed',
		rate: 'Delivery rate',
		open_tickets: 'Open feedback',
		open_tasks: 'Open tasks',
		overdue_tasks: 'Overdue tasks',
		escalated_tasks: 'Resent tasks',
		queued: 'Queued to send',
		c_daily: 'SMS per day, last 7 days',
		c_rate: 'Delivery rate, last 7 days',
		c_fail: 'Failures by provider and reason, last 7 days',
		c_queue: 'Queues',
		day: 'Day',
		count: 'Count',
		provider: 'Provider',
		reason: 'Reason',
		queue: 'Queue',
		depth: 'Depth',
		as_table: 'As a table',
		no_failures: 'No failures in the last 7 days.',
		q_outbox_queued: 'SMS queued',
		q_outbox_sending: 'SMS sending',
		q_event_outbox: 'events to relay (MQTT)',
		q_dlr_callbacks: 'dlr-url callbacks',
		updated: 'Updated {time}',
		refresh: 'Refresh',
		rate_none: '–',
	},
};
const L = (k, v) => tr(D, k, v);

function num(x) {
	if (x === null || x === undefined)
		return 0;
	if (typeof x === 'number')
		return x;
	if (typeof x === 'object')
		return Object.values(x).reduce((a, v) => a + num(v), 0);
	return Number(x) || 0;
}

// One period ("today", "last_7_days") as plain numbers.
function period(p) {
	p = p || {};
	const mt = p.mt && typeof p.mt === 'object' ? p.mt : {};
	const sent = mt.sent ?? (typeof p.mt === 'number' ? p.mt : null) ?? p.mt_sent ?? 0;
	const delivered = mt.delivered ?? p.delivered ?? 0;
	const failed = (mt.failed ?? p.failed ?? 0) + (mt.expired ?? 0);
	let rate = p.delivery_rate;
	if (rate === undefined)
		rate = delivered + failed ? delivered / (delivered + failed) : null;
	return {mo: num(p.mo), mt: num(sent), created: num(mt.created ?? mt.queued ?? sent),
		delivered: num(delivered), failed: num(failed), rate, failures: p.failures || []};
}

function failureList(f) {
	if (Array.isArray(f))
		return f.map((x) => ({provider: x.provider || '–', reason: x.reason || x.error || '–',
			count: num(x.count ?? x.n)}));
	if (f && typeof f === 'object') {
		const out = [];
		for (const [prov, reasons] of Object.entries(f)) {
			if (reasons && typeof reasons === 'object')
				for (const [reason, count] of Object.entries(reasons))
					out.push({provider: prov, reason, count: num(count)});
			else
				out.push({provider: prov, reason: '–', count: num(reasons)});
		}
		return out;
	}
	return [];
}

function stat(id, label, value, sub, bad) {
	return h('li', {class: 'stat' + (bad ? ' bad' : ''), id},
		h('span', {class: 'label'}, label, h('span', {class: 'visually-hidden'}, '：')),
		h('span', {class: 'value'}, value),
		sub ? h('span', {class: 'sub'}, sub) : null);
}

function chartBox(id, title, tableEl, tall) {
	const canvas = h('canvas', {id, role: 'img', 'aria-label': title});
	return {
		canvas,
		el: h('section', {class: 'chart-box', 'aria-labelledby': id + '-h'},
			h('h3', {id: id + '-h'}, title),
			h('div', {class: 'chart-canvas' + (tall ? ' tall' : '')}, canvas),
			h('details', null, h('summary', null, L('as_table')), tableEl)),
	};
}

function dayLabel(d) {
	const s = d.day || d.date || '';
	return s.length >= 10 ? s.slice(5, 10) : s;
}

export default async function render(ctx) {
	const {main, session} = ctx;
	const chartReady = loadChart().catch((e) => e);
	const data = await api.get('/api/v1/overview');
	const today = period(data.today);
	const week = period(data.last_7_days || data.week || data['7d']);
	const days = (data.days || []).map((d) => Object.assign({day: d.day || d.date}, period(d)));
	const queues = data.queues || {};
	const tickets = data.feedback || data.tickets || {};
	const tasks = data.tasks || {};
	const openTickets = num(tickets.open ?? data.open_tickets ?? data.feedback_open);
	const openTasks = num(tasks.open ?? data.open_tasks);
	const overdue = num(tasks.overdue ?? data.overdue_tasks);
	const escalated = num(tasks.escalated ?? 0);
	const qList = Object.entries(queues).filter(([, v]) => typeof v === 'number' ||
		typeof v === 'object').map(([k, v]) => [k, num(v)]);
	const queued = num(queues.outbox_queued ?? queues.queued ?? 0) +
		num(queues.outbox_sending ?? queues.sending ?? 0);
	const fails = failureList(week.failures).sort((a, b) => b.count - a.count);

	const qName = (k) => {
		const s = L('q_' + k);
		return s === 'q_' + k ? k : s;
	};
	const daily = chartBox('ov-daily', L('c_daily'), table(null, [L('day'), L('mo'), L('mt'),
		L('delivered'), L('failed')], days.map((d) => h('tr', null, h('td', null, d.day),
		h('td', {class: 'num'}, fmtNum(d.mo)), h('td', {class: 'num'}, fmtNum(d.mt)),
		h('td', {class: 'num'}, fmtNum(d.delivered)), h('td', {class: 'num'}, fmtNum(d.failed))))));
	const rate = chartBox('ov-rate', L('c_rate'), table(null, [L('day'), L('rate')],
		days.map((d) => h('tr', null, h('td', null, d.day), h('td', {class: 'num'}, fmtPct(d.rate))))));
	const failBox = chartBox('ov-fail', L('c_fail'), table(null, [L('provider'), L('reason'), L('count')],
		fails.map((f) => h('tr', null, h('td', null, f.provider), h('td', null, f.reason),
			h('td', {class: 'num'}, fmtNum(f.count))))), fails.length > 6);
	const queueBox = chartBox('ov-queue', L('c_queue'), table(null, [L('queue'), L('depth')],
		qList.map(([k, v]) => h('tr', null, h('td', null, qName(k)), h('td', {class: 'num'}, fmtNum(v))))));

	const refreshBtn = h('button', {type: 'button', id: 'ov-refresh',
		onclick: () => ctx.go('#/overview?r=' + Date.now())}, L('refresh'));
	replace(main,
		h('h1', null, L('title')),
		h('p', {class: 'muted'}, L('scope', {area: session.area || t('whole_area')}), ' · ',
			L('updated', {time: new Date().toLocaleTimeString(lang() === 'zh' ? 'zh-CN' : 'en-GB')}),
			' ', refreshBtn),
		h('h2', null, L('today')),
		h('ul', {class: 'stats', id: 'ov-today'},
			stat('ov-today-mo', L('mo'), fmtNum(today.mo)),
			stat('ov-today-mt', L('mt'), fmtNum(today.mt)),
			stat('ov-today-delivered', L('delivered'), fmtNum(today.delivered)),
			stat('ov-today-failed', L('failed'), fmtNum(today.failed), null, today.failed > 0),
			stat('ov-today-rate', L('rate'), fmtPct(today.rate)),
			stat('ov-open-tickets', L('open_tickets'), fmtNum(openTickets)),
			stat('ov-open-tasks', L('open_tasks'), fmtNum(openTasks),
				escalated ? L('escalated_tasks') + ' ' + fmtNum(escalated) : null),
			stat('ov-overdue', L('overdue_tasks'), fmtNum(overdue), null, overdue > 0),
			stat('ov-queued', L('queued'), fmtNum(queued))),
		h('h2', null, L('week')),
		h('ul', {class: 'stats', id: 'ov-week'},
			stat('ov-week-mo', L('mo'), fmtNum(week.mo)),
			stat('ov-week-mt', L('mt'), fmtNum(week.mt)),
			stat('ov-week-delivered', L('delivered'), fmtNum(week.delivered)),
			stat('ov-week-failed', L('failed'), fmtNum(week.failed), null, week.failed > 0),
			stat('ov-week-rate', L('rate'), fmtPct(week.rate))),
		h('div', {class: 'charts'}, daily.el, rate.el, failBox.el, queueBox.el));

	const Chart = await chartReady;
	if (!ctx.alive())
		return;
	if (Chart instanceof Error) {
		for (const b of [daily, rate, failBox, queueBox])
			b.canvas.replaceWith(h('p', {class: 'muted'}, Chart.message));
		return;
	}
	const labels = days.map(dayLabel);
	const charts = [];
	charts.push(new Chart(daily.canvas, {
		type: 'bar',
		data: {labels, datasets: [
			{label: L('mo'), data: days.map((d) => d.mo), backgroundColor: COLORS.mo},
			{label: L('mt'), data: days.map((d) => d.mt), backgroundColor: COLORS.mt},
			{label: L('failed'), data: days.map((d) => d.failed), backgroundColor: COLORS.failed},
		]},
		options: baseOptions({scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}),
	}));
	charts.push(new Chart(rate.canvas, {
		type: 'line',
		data: {labels, datasets: [{label: L('rate'), data: days.map((d) =>
			d.rate === null || d.rate === undefined ? null : Math.round(d.rate * 1000) / 10),
		borderColor: COLORS.rate, backgroundColor: COLORS.rate, spanGaps: true}]},
		options: baseOptions({scales: {y: {min: 0, max: 100, ticks: {callback: (v) => v + '%'}}},
			plugins: {legend: {display: false}}}),
	}));
	if (fails.length) {
		const providers = [...new Set(fails.map((f) => f.provider))];
		const reasons = [...new Set(fails.map((f) => f.reason))].slice(0, 12);
		charts.push(new Chart(failBox.canvas, {
			type: 'bar',
			data: {labels: reasons, datasets: providers.map((p, i) => ({
				label: p, backgroundColor: PALETTE[i % PALETTE.length],
				data: reasons.map((r) => (fails.find((f) => f.provider === p && f.reason === r) || {}).count || 0),
			}))},
			options: baseOptions({indexAxis: 'y', scales: {x: {stacked: true, beginAtZero: true,
				ticks: {precision: 0}}, y: {stacked: true}}}),
		}));
	} else {
		failBox.canvas.parentNode.replaceWith(h('p', {class: 'muted', id: 'ov-no-failures'}, L('no_failures')));
	}
	charts.push(new Chart(queueBox.canvas, {
		type: 'bar',
		data: {labels: qList.map(([k]) => qName(k)), datasets: [{label: L('depth'),
			data: qList.map(([, v]) => v), backgroundColor: PALETTE.slice(0, qList.length)}]},
		options: baseOptions({indexAxis: 'y', plugins: {legend: {display: false}},
			scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}),
	}));
	ctx.onCleanup(() => charts.forEach((c) => c.destroy()));
	// Drawn: animation is off, so each chart painted in its constructor.
	performance.mark('fupin-overview-drawn');
	main.dataset.drawn = 'overview';
}
