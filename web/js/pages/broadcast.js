// broadcast.js: #/broadcasts/{id}, one broadcast while it goes out:
// counts per status as a bar and a table, a chart of the counts over the
// time the page is open, failures by reason (the API's "failures": the
// failed and expired messages grouped by provider and reason, the 20
// most frequent), and cancel.  Polls GET
// /api/v1/broadcasts/{id} every 2 s until it is finished or cancelled;
// the status line is a live region (screen readers hear the progress).

import {h, replace, dl, table} from '../dom.js';
import {tr, t, tStatus, fmtNum, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {badge, liveRegion, say, errText} from '../parts.js';
import {loadChart, COLORS, baseOptions} from '../charts.js';
import {audienceSummary} from './broadcasts.js';

const D = {
	zh: {
		title: '群发 #{id}',
		back: '返回群发记录',
		template: '模板',
		text: '内容',
		audience: '接收范围',
		recipients: '接收人',
		resolving: '正在统计接收人…',
		send_at: '计划发送',
		created: '创建',
		started: '开始',
		finished: '完成',
		cancelled_at: '取消',
		by: '创建人',
		segments: '已发短信段数',
		progress: '发送进度',
		progress_line: '{status}：{done} / {n} 已处理，{delivered} 已送达，{failed} 失败',
		progress_wait: '{status}',
		counts: '各状态数量',
		count: '数量',
		over_time: '本页打开以来的进度',
		failures: '失败原因',
		reason: '原因',
		provider: '通道',
		no_failures: '没有失败。',
		failed_no_reasons: '{n} 条失败，原因正在统计，稍后刷新。',
		cancel: '取消群发',
		cancel_q: '确定取消？尚未发出的短信将不再发送。',
		cancel_yes: '确定取消',
		cancel_no: '不取消',
		cancelled_ok: '已取消。',
		time: '时间',
	},
	en: {
		title: 'Broadcast #{id}',
		back: 'Back to broadcasts',
		template: 'Template',
		text: 'Text',
		audience: 'Audience',
		recipients: 'Recipients',
		resolving: 'counting recipients…',
		send_at: 'Send at',
		created: 'Created',
		started: 'Started',
		finished: 'Finished',
		cancelled_at: 'Cancelled',
		by: 'By',
		segments: 'Segments sent',
		progress: 'Progress',
		progress_line: '{status}: {done} of {n} done, {delivered} delivered, {failed} failed',
		progress_wait: '{status}',
		counts: 'Counts by status',
		count: 'Count',
		over_time: 'Progress since this page opened',
		failures: 'Failures by reason',
		reason: 'Reason',
		provider: 'Provider',
		no_failures: 'No failures.',
		failed_no_reasons: '{n} failed; their reasons are being counted: look again in a moment.',
		cancel: 'Cancel broadcast',
		cancel_q: 'Cancel it? Messages not yet sent will not go out.',
		cancel_yes: 'Yes, cancel',
		cancel_no: 'No',
		cancelled_ok: 'Cancelled.',
		time: 'Time',
	},
};
const L = (k, v) => tr(D, k, v);

const ORDER = ['delivered', 'sent', 'sending', 'queued', 'pending', 'failed',
	'expired', 'skipped', 'cancelled'];
const DONE = ['delivered', 'sent', 'failed', 'expired', 'skipped', 'cancelled'];

export default async function render(ctx) {
	const {main} = ctx;
	const id = ctx.params[0];
	const path = '/api/v1/broadcasts/' + encodeURIComponent(id);
	let b = await api.get(path);

	const live = liveRegion('progress-line');
	live.id = 'bc-progress';
	const bar = h('div', {class: 'bar', role: 'img', id: 'bc-bar'});
	const legend = h('ul', {class: 'legend'});
	const facts = h('div');
	const countsBox = h('div', {id: 'bc-counts'});
	const failBox = h('div', {id: 'bc-failures'});
	const canvas = h('canvas', {id: 'bc-chart', role: 'img', 'aria-label': L('over_time')});
	const actionMsg = liveRegion();
	const cancelArea = h('div', {class: 'actions', id: 'bc-cancel-area'});
	const statusEl = h('span', {id: 'bc-status'});

	replace(main,
		h('p', null, h('a', {href: '#/broadcasts'}, '← ' + L('back'))),
		h('h1', null, L('title', {id}), ' ', statusEl),
		facts,
		h('section', {class: 'card', 'aria-labelledby': 'bc-prog-h'},
			h('h2', {id: 'bc-prog-h'}, L('progress')), live, bar, legend, countsBox),
		cancelArea, actionMsg,
		h('div', {class: 'charts'},
			h('section', {class: 'chart-box', 'aria-labelledby': 'bc-chart-h'},
				h('h3', {id: 'bc-chart-h'}, L('over_time')),
				h('div', {class: 'chart-canvas'}, canvas)),
			h('section', {class: 'chart-box', 'aria-labelledby': 'bc-fail-h'},
				h('h3', {id: 'bc-fail-h'}, L('failures')), failBox)));

	const history = [];
	let chart = null;
	let confirming = false;

	function drawCancel() {
		replace(cancelArea);
		if (!ctx.canWrite || !['scheduled', 'sending'].includes(b.status))
			return;
		if (!confirming) {
			cancelArea.appendChild(h('button', {type: 'button', class: 'danger', id: 'bc-cancel',
				onclick: () => {
					confirming = true;
					drawCancel();
					document.getElementById('bc-cancel-yes').focus();
				}}, L('cancel')));
			return;
		}
		cancelArea.append(h('span', {role: 'alert'}, L('cancel_q')),
			h('button', {type: 'button', class: 'danger', id: 'bc-cancel-yes',
				onclick: async (ev) => {
					ev.target.disabled = true;
					try {
						await api.post(path + '/cancel', {});
						say(actionMsg, L('cancelled_ok'), 'ok');
						confirming = false;
						await poll();
					} catch (e) {
						say(actionMsg, errText(e), 'error');
						ev.target.disabled = false;
					}
				}}, L('cancel_yes')),
			h('button', {type: 'button', id: 'bc-cancel-no', onclick: () => {
				confirming = false;
				drawCancel();
				document.getElementById('bc-cancel').focus();
			}}, L('cancel_no')));
	}

	function draw() {
		replace(statusEl, badge(b.status));
		statusEl.dataset.status = b.status;
		replace(facts, dl([
			[b.template ? L('template') : L('text'), b.template || b.text],
			[L('audience'), audienceSummary(b.audience)],
			[L('recipients'), b.resolving ? L('resolving') : fmtNum(b.recipients)],
			[L('send_at'), fmtTime(b.send_at)],
			[L('created'), fmtTime(b.created_at)],
			[L('started'), b.started_at ? fmtTime(b.started_at) : null],
			[L('finished'), b.finished_at ? fmtTime(b.finished_at) : null],
			[L('cancelled_at'), b.cancelled_at ? fmtTime(b.cancelled_at) : null],
			[L('by'), b.created_by],
			[L('segments'), b.segments_sent !== undefined ? fmtNum(b.segments_sent) : null],
		]));
		const counts = b.counts || {};
		const n = b.recipients || Object.values(counts).reduce((a, x) => a + x, 0);
		const done = DONE.reduce((a, k) => a + (counts[k] || 0), 0);
		const line = b.resolving ? L('resolving') : L('progress_line', {
			status: tStatus(b.status), done: fmtNum(done), n: fmtNum(n),
			delivered: fmtNum(counts.delivered || 0),
			failed: fmtNum((counts.failed || 0) + (counts.expired || 0)),
		});
		if (live.textContent !== line)
			live.textContent = line;
		bar.setAttribute('aria-label', line);
		replace(bar);
		replace(legend);
		const rows = [];
		for (const k of ORDER.concat(Object.keys(counts).filter((x) => !ORDER.includes(x)))) {
			const c = counts[k] || 0;
			if (!c)
				continue;
			const seg = h('span', {class: 'seg-' + k, title: tStatus(k) + ' ' + c});
			seg.style.width = (n ? (100 * c / n) : 0) + '%';
			bar.appendChild(seg);
			legend.appendChild(h('li', null, h('span', {class: 'swatch seg-' + k}), tStatus(k) + ' ' + fmtNum(c)));
			rows.push(h('tr', {dataset: {status: k}}, h('td', null, tStatus(k)),
				h('td', {class: 'num', dataset: {count: String(c)}}, fmtNum(c))));
		}
		replace(countsBox, table(L('counts'), [t('status'), L('count')], rows));
		countsBox.querySelectorAll('th')[1].className = 'num';
		drawFailures();
		drawCancel();
	}

	function drawFailures() {
		const list = Array.isArray(b.failures) ? b.failures : [];
		if (!list.length) {
			const c = b.counts || {};
			const n = (c.failed || 0) + (c.expired || 0);
			replace(failBox, h('p', {class: 'muted'}, n ? L('failed_no_reasons', {n: fmtNum(n)}) :
				L('no_failures')));
			return;
		}
		replace(failBox, table(null, [L('reason'), t('status'), L('provider'), L('count')],
			list.map((x) => h('tr', {dataset: {reason: x.reason || '', count: String(x.count)}},
				h('td', null, x.reason || '–'), h('td', null, badge(x.status || 'failed')),
				h('td', null, x.provider || '–'), h('td', {class: 'num'}, fmtNum(x.count)))),
			{id: 'bc-failure-list'}));
	}

	async function drawChart() {
		const counts = b.counts || {};
		history.push({t: new Date(), c: Object.assign({}, counts)});
		if (history.length > 300)
			history.shift();
		let Chart;
		try {
			Chart = await loadChart();
		} catch (e) {
			canvas.replaceWith(h('p', {class: 'muted'}, e.message));
			return;
		}
		if (!ctx.alive())
			return;
		const labels = history.map((x) => x.t.toLocaleTimeString());
		const series = ['delivered', 'sent', 'queued', 'failed'].map((k) => ({
			label: tStatus(k),
			data: history.map((x) => k === 'queued' ?
				(x.c.queued || 0) + (x.c.sending || 0) + (x.c.pending || 0) : (x.c[k] || 0)),
			borderColor: COLORS[k], backgroundColor: COLORS[k], tension: 0.2,
			pointRadius: 0,
		}));
		if (!chart) {
			chart = new Chart(canvas, {type: 'line', data: {labels, datasets: series},
				options: baseOptions({scales: {y: {beginAtZero: true}}})});
			ctx.onCleanup(() => chart.destroy());
		} else {
			chart.data.labels = labels;
			chart.data.datasets.forEach((d, i) => { d.data = series[i].data; });
			chart.update('none');
		}
	}

	let timer = null;
	async function poll() {
		clearTimeout(timer);
		try {
			b = await api.get(path);
		} catch (e) {
			if (!ctx.alive())
				return;
			say(actionMsg, errText(e), 'error');
		}
		if (!ctx.alive())
			return;
		draw();
		drawChart();
		if (b.resolving || ['scheduled', 'sending'].includes(b.status))
			timer = setTimeout(poll, 2000);
	}
	ctx.onCleanup(() => clearTimeout(timer));
	draw();
	drawChart();
	if (b.resolving || ['scheduled', 'sending'].includes(b.status))
		timer = setTimeout(poll, 2000);
}
