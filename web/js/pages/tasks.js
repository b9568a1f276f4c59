// tasks.js: #/tasks, task alerts to village cadres (POST /api/v1/alerts:
// cadres by id, or everyone under an area; a text or template; due;
// ack_required; urgent) and the list of tasks with their
// acknowledgement, overdue and escalated ones first (GET
// /api/v1/tasks?status=).  A cadre acknowledges by SMS (QR T12) or the
// USSD cadre menu.  The cadre picker asks the gateway as the clerk types
// (GET /api/v1/cadres?q=: by name or id, inside the clerk's area).

import {h, replace, field, select, table, newId, debounce} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {areaPicker, badge, liveRegion, say, errText} from '../parts.js';

const D = {
	zh: {
		title: '干部任务',
		send: '给帮扶干部发任务',
		to: '发给',
		to_cadres: '指定干部',
		to_area: '某地区的全部干部',
		cadre: '干部编号或姓名',
		cadre_hint: '输入姓名或编号（如 C513431001），从列表中选择后按“添加”。',
		add: '添加',
		remove: '移除 {name}',
		chosen: '已选干部',
		none_chosen: '尚未选择干部。',
		unknown_cadre: '您的地区内找不到干部“{q}”。',
		ambiguous: '有 {n} 位干部叫“{q}”：请从列表中选择编号。',
		text: '任务内容',
		text_hint: '短信会写明任务编号和“收到请回复QR 任务编号”。',
		due: '截止日期',
		due_time: '截止时间（可选）',
		ack: '需要干部回复确认（QR）',
		urgent: '紧急（夜间也发送）',
		submit: '发送任务',
		sending: '正在发送…',
		created: '已发出任务：{tasks}',
		need_cadre: '请至少选择一名干部。',
		need_text: '请填写任务内容。',
		list: '任务列表',
		filter: '显示',
		f_all: '全部',
		task: '任务',
		cadre_col: '干部',
		due_col: '截止',
		sent: '发出',
		ack_col: '确认',
		acked_at: '{at} 已确认',
		not_acked: '未确认',
		no_ack: '无需确认',
		escalated: '已重发',
		overdue: '已逾期',
		callback: '回电请求',
	},
	en: {
		title: 'Tasks',
		send: 'Send a task to cadres',
		to: 'To',
		to_cadres: 'chosen cadres',
		to_area: 'every cadre of an area',
		cadre: 'Cadre id or name',
		cadre_hint: 'Type a name or an id (e.g. C513431001), pick one from the list, then “Add”.',
		add: 'Add',
		remove: 'Remove {name}',
		chosen: 'Chosen cadres',
		none_chosen: 'No cadre chosen yet.',
		unknown_cadre: 'No cadre “{q}” in your area.',
		ambiguous: '{n} cadres are called “{q}”: pick one id from the list.',
		text: 'Task',
		text_hint: 'The SMS names the task number and asks for “QR <task>”.',
		due: 'Due date',
		due_time: 'Due time (optional)',
		ack: 'Ask the cadre to acknowledge (QR)',
		urgent: 'Urgent (sent during quiet hours too)',
		submit: 'Send the task',
		sending: 'Sending…',
		created: 'Tasks sent: {tasks}',
		need_cadre: 'Choose at least one cadre.',
		need_text: 'Write the task.',
		list: 'Tasks',
		filter: 'Show',
		f_all: 'all',
		task: 'Task',
		cadre_col: 'Cadre',
		due_col: 'Due',
		sent: 'Sent',
		ack_col: 'Acknowledged',
		acked_at: 'acknowledged {at}',
		not_acked: 'not yet',
		no_ack: 'not asked',
		escalated: 'resent',
		overdue: 'overdue',
		callback: 'call-back request',
	},
};
const L = (k, v) => tr(D, k, v);

const cadres = new Map();	// id -> {id, name, title, area}

function learnCadre(c) {
	const id = c.cadre_id || c.id;
	if (!id)
		return;
	const old = cadres.get(id) || {};
	cadres.set(id, {id, name: c.name || c.cadre_name || old.name || '',
		title: c.title || old.title || '', area: c.area_code || c.area || old.area || ''});
}

// The cadres whose name holds q or whose id starts with it, inside the
// clerk's area (the gateway's search), learnt for their names.
async function searchCadres(q) {
	const data = await api.get('/api/v1/cadres', {q, limit: 20});
	const items = api.pageOf(data, ['cadres']).items;
	for (const c of items)
		learnCadre(c);
	return items;
}

function taskKey(x) {
	return x.task || x.task_number || x.number || ('T' + x.id);
}

function isOverdue(x) {
	if (typeof x.overdue === 'boolean')
		return x.overdue;
	if (x.status === 'overdue')
		return true;
	if (x.acked_at || x.status === 'acked' || !x.due)
		return false;
	const d = new Date(x.due.length === 10 ? x.due + 'T23:59:59' : x.due);
	return !Number.isNaN(d.getTime()) && d < new Date();
}

function isEscalated(x) {
	if (typeof x.escalated === 'boolean')
		return x.escalated;
	return Boolean(x.escalated || x.escalated_at || (x.resent ?? 0) > 0 || (x.sends ?? 1) > 1);
}

export default async function render(ctx) {
	const {main, session} = ctx;

	// ---- the form
	let form = null;
	const result = liveRegion();
	result.id = 'tk-result';
	const chosen = [];
	if (ctx.canWrite) {
		const toCadres = h('input', {type: 'radio', name: 'to', id: newId('to'), value: 'cadres', checked: true});
		const toArea = h('input', {type: 'radio', name: 'to', id: newId('to'), value: 'area'});
		const listId = newId('cadres');
		const datalist = h('datalist', {id: listId});
		const cadreIn = h('input', {type: 'text', id: 'tk-cadre', list: listId, autocomplete: 'off'});
		const addBtn = h('button', {type: 'button', id: 'tk-add'}, L('add'));
		const chips = h('ul', {class: 'legend', id: 'tk-chosen', 'aria-label': L('chosen')});
		const cadreMsg = h('p', {class: 'hint', role: 'status'});
		const cadreBox = h('div', null, h('div', {class: 'row'}, field(L('cadre'), cadreIn, L('cadre_hint')), addBtn),
			datalist, cadreMsg, chips);
		const picker = areaPicker(session, L('to_area'));
		picker.el.hidden = true;
		const textIn = h('textarea', {id: 'tk-text', name: 'text', rows: 3});
		const dueIn = h('input', {type: 'date', id: 'tk-due', name: 'due'});
		const dueTime = h('input', {type: 'time', id: 'tk-due-time', name: 'due_time'});
		const ack = h('input', {type: 'checkbox', id: 'tk-ack', checked: true});
		const urgent = h('input', {type: 'checkbox', id: 'tk-urgent'});
		const submit = h('button', {type: 'submit', class: 'primary', id: 'tk-send'}, L('submit'));
		const fillList = (items) => {
			replace(datalist);
			for (const c of items)
				datalist.appendChild(h('option', {value: c.cadre_id},
					[c.name, c.title, c.area_code].filter(Boolean).join(' · ')));
		};
		let typed = 0;
		cadreIn.addEventListener('input', debounce(() => {
			const q = cadreIn.value.trim();
			const my = ++typed;
			if (!q)
				return;
			searchCadres(q).then((items) => {
				if (my === typed)
					fillList(items);
			}).catch(() => { /* the list stays as it was */ });
		}, 250));
		const drawChips = () => {
			replace(chips);
			if (!chosen.length)
				chips.appendChild(h('li', {class: 'muted'}, L('none_chosen')));
			for (const id of chosen) {
				const c = cadres.get(id);
				const name = c && c.name ? c.name + ' (' + id + ')' : id;
				chips.appendChild(h('li', {class: 'badge', dataset: {cadre: id}}, name,
					h('button', {type: 'button', class: 'link', 'aria-label': L('remove', {name}),
						onclick: () => {
							chosen.splice(chosen.indexOf(id), 1);
							drawChips();
							cadreIn.focus();
						}}, '×')));
			}
		};
		// The id of what was typed: an id, or a name only one cadre has.
		const add = async () => {
			const q = cadreIn.value.trim();
			if (!q)
				return;
			let id = null;
			if (cadres.has(q)) {
				id = q;
			} else {
				let items = [];
				try {
					items = await searchCadres(q);
				} catch (e) {
					cadreMsg.textContent = errText(e);
					return;
				}
				const byId = items.filter((c) => c.cadre_id.toUpperCase() === q.toUpperCase());
				const byName = items.filter((c) => c.name === q);
				if (byId.length === 1)
					id = byId[0].cadre_id;
				else if (byName.length === 1)
					id = byName[0].cadre_id;
				else if (byName.length > 1) {
					fillList(byName);
					cadreMsg.textContent = L('ambiguous', {n: byName.length, q});
					return;
				}
			}
			if (!id) {
				cadreMsg.textContent = L('unknown_cadre', {q});
				return;
			}
			cadreMsg.textContent = '';
			if (!chosen.includes(id))
				chosen.push(id);
			cadreIn.value = '';
			drawChips();
		};
		addBtn.addEventListener('click', add);
		cadreIn.addEventListener('keydown', (e) => {
			if (e.key === 'Enter') {
				e.preventDefault();
				add();
			}
		});
		drawChips();
		const switchTo = () => {
			cadreBox.hidden = !toCadres.checked;
			picker.el.hidden = toCadres.checked;
		};
		toCadres.addEventListener('change', switchTo);
		toArea.addEventListener('change', switchTo);
		form = h('form', {class: 'card', id: 'tk-form', 'aria-labelledby': 'tk-form-h', novalidate: true},
			h('h2', {id: 'tk-form-h'}, L('send')),
			h('div', {class: 'choices', role: 'radiogroup', 'aria-label': L('to')},
				h('label', {class: 'choice', for: toCadres.id}, toCadres, L('to_cadres')),
				h('label', {class: 'choice', for: toArea.id}, toArea, L('to_area'))),
			cadreBox, picker.el,
			field(L('text'), textIn, L('text_hint')),
			h('div', {class: 'row'}, field(L('due'), dueIn), field(L('due_time'), dueTime)),
			h('div', {class: 'choices'},
				h('label', {class: 'choice', for: ack.id}, ack, L('ack')),
				h('label', {class: 'choice', for: urgent.id}, urgent, L('urgent'))),
			h('div', {class: 'actions'}, submit), result);
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const body = {text: textIn.value.trim(), ack_required: ack.checked, urgent: urgent.checked};
			if (toCadres.checked) {
				if (cadreIn.value.trim())
					await add();
				if (!chosen.length) {
					say(result, L('need_cadre'), 'error');
					cadreIn.focus();
					return;
				}
				body.cadres = chosen.slice();
			} else {
				body.area = picker.value() || session.area || '';
			}
			if (!body.text) {
				say(result, L('need_text'), 'error');
				textIn.focus();
				return;
			}
			if (dueIn.value)
				body.due = dueTime.value ?
					new Date(dueIn.value + 'T' + dueTime.value).toISOString().replace(/\.\d{3}Z$/, 'Z') :
					dueIn.value;
			submit.disabled = true;
			say(result, L('sending'), 'muted');
			try {
				const r = await api.post('/api/v1/alerts', body);
				say(result, L('created', {tasks: (r.task_numbers || []).join(', ')}), 'ok');
				textIn.value = '';
				chosen.splice(0);
				drawChips();
				await list.reset();
			} catch (e) {
				say(result, errText(e), 'error');
			}
			submit.disabled = false;
		});
	}

	// ---- the list
	const filter = select([['', L('f_all')], ['open', t('st_open')], ['overdue', t('st_overdue')],
		['acked', t('st_acked')]], {id: 'tk-filter', value: ctx.query.get('status') || ''});
	const err = h('p', {class: 'error', role: 'alert'});
	const listBox = h('div');
	const more = h('button', {type: 'button', hidden: true}, t('more'));
	replace(main, h('h1', null, L('title')), form,
		h('h2', null, L('list')), field(L('filter'), filter), err, listBox,
		h('div', {class: 'actions'}, more));

	let items = [];
	let after = null;
	function drawList() {
		const sorted = items.slice().sort((a, b) => {
			const rank = (x) => (isOverdue(x) ? 0 : isEscalated(x) && !x.acked_at ? 1 :
				x.acked_at || x.status === 'acked' ? 3 : 2);
			return rank(a) - rank(b) || String(b.created_at || '').localeCompare(String(a.created_at || '')) ||
				(Number(b.id) || 0) - (Number(a.id) || 0);
		});
		const rows = sorted.map((x) => {
			const over = isOverdue(x);
			const esc = isEscalated(x);
			const acked = x.acked_at || x.status === 'acked';
			const c = cadres.get(x.cadre_id);
			const cname = x.cadre_name || (c && c.name) || '';
			return h('tr', {class: [over ? 'overdue' : '', esc ? 'escalated' : ''].join(' ').trim(),
				dataset: {task: taskKey(x), acked: acked ? 'yes' : 'no'}},
			h('td', null, taskKey(x)),
			h('td', null, [cname, x.cadre_id ? '(' + x.cadre_id + ')' : ''].filter(Boolean).join(' ')),
			h('td', null, x.kind === 'callback' ? [h('span', {class: 'badge'}, L('callback')), ' ',
				[x.household_id, x.msisdn].filter(Boolean).join(' · '), x.text ? ' ' + x.text : ''] :
				x.text || ''),
			h('td', null, x.due ? (x.due.length === 10 ? x.due : fmtTime(x.due)) : '–'),
			h('td', null, fmtTime(x.created_at || x.sent_at)),
			h('td', {class: 'ack'}, acked ? badge('acked') : null, ' ',
				acked && x.acked_at ? L('acked_at', {at: fmtTime(x.acked_at)}) :
					(x.ack_required === false ? L('no_ack') : (acked ? '' : L('not_acked'))),
				over ? h('span', {class: 'badge st-overdue'}, L('overdue')) : null, ' ',
				esc ? h('span', {class: 'badge st-failed'}, L('escalated')) : null));
		});
		replace(listBox, rows.length ? table(L('list'), [L('task'), L('cadre_col'), L('text'),
			L('due_col'), L('sent'), L('ack_col')], rows, {id: 'tk-list'}) :
			h('p', {class: 'muted'}, t('none')));
	}
	async function load(reset) {
		if (reset) {
			items = [];
			after = null;
		}
		const q = {limit: 100};
		if (filter.value)
			q.status = filter.value;
		if (after !== null)
			q.after = after;
		const data = await api.get('/api/v1/tasks', q);
		const page = api.pageOf(data, ['tasks']);
		for (const x of page.items) {
			if (x.cadre_id)
				learnCadre({cadre_id: x.cadre_id, name: x.cadre_name});
		}
		items = items.concat(page.items);
		after = page.next;
		more.hidden = after === null;
		drawList();
	}
	const list = {reset: () => load(true).then(() => { err.textContent = ''; })
		.catch((e) => { err.textContent = errText(e); })};
	filter.addEventListener('change', () => list.reset());
	more.addEventListener('click', () => load(false).catch((e) => { err.textContent = errText(e); }));
	await list.reset();
}
