// lookup.js: #/lookup, a household by its number (the status summary a
// villager gets by CX, GET /api/v1/households/{id}) and a phone number's
// message history (GET /api/v1/messages?msisdn=).  The server masks
// numbers for viewers; the page shows what it is given.

import {h, replace, field, dl, table} from '../dom.js';
import {tr, t, fmtTime} from '../i18n.js';
import * as api from '../api.js';
import {badge, errText, langName, langAttr, pagedRows} from '../parts.js';

const D = {
	zh: {
		title: '查询',
		hh: '按户编号查农户',
		hh_id: '户编号',
		hh_hint: '如 HH513431000001（印在明白卡上）。',
		phone: '按手机号查短信记录',
		msisdn: '手机号',
		msisdn_hint: '如 13908340107。',
		find: '查询',
		summary: '农户收到的状态短信',
		head: '户主',
		area: '地区',
		status: '状态',
		members_n: '人口',
		language: '语言',
		cadre: '帮扶干部',
		cause: '致贫原因',
		exit_year: '脱贫年度',
		members: '家庭成员',
		name: '姓名',
		relation: '关系',
		tel: '手机',
		enrollments: '项目',
		program: '项目',
		updated: '更新',
		payments: '资金',
		amount: '金额（元）',
		paid_on: '日期',
		note: '备注',
		history: '{msisdn} 的短信',
		dir: '方向',
		dir_in: '收到',
		dir_out: '发出',
		time: '时间',
		text: '内容',
		kind: '类型',
		masked: '号码已隐去部分数字。',
	},
	en: {
		title: 'Lookup',
		hh: 'A household by its number',
		hh_id: 'Household number',
		hh_hint: 'e.g. HH513431000001 (printed on the household’s card).',
		phone: 'A phone number’s messages',
		msisdn: 'Phone number',
		msisdn_hint: 'e.g. 13908340107.',
		find: 'Look up',
		summary: 'The status SMS the household gets',
		head: 'Head',
		area: 'Area',
		status: 'Status',
		members_n: 'Members',
		language: 'Language',
		cadre: 'Cadre',
		cause: 'Cause of poverty',
		exit_year: 'Exit year',
		members: 'Members',
		name: 'Name',
		relation: 'Relation',
		tel: 'Phone',
		enrollments: 'Programs',
		program: 'Program',
		updated: 'Updated',
		payments: 'Payments',
		amount: 'Amount (yuan)',
		paid_on: 'Paid on',
		note: 'Note',
		history: 'Messages of {msisdn}',
		dir: 'Direction',
		dir_in: 'in',
		dir_out: 'out',
		time: 'Time',
		text: 'Text',
		kind: 'Kind',
		masked: 'Numbers are partly hidden.',
	},
};
const L = (k, v) => tr(D, k, v);

function val(o, ...names) {
	for (const n of names)
		if (o && o[n] !== undefined && o[n] !== null && o[n] !== '')
			return o[n];
	return null;
}

// A household answer drawn whatever fields it has; shared with ticket.js.
export function householdView(hh) {
	const root = hh.household || hh;
	const out = h('div', {class: 'household', dataset: {household: val(root, 'household_id', 'id') || ''}});
	const summary = val(hh, 'summary', 'text', 'status_text');
	const lng = val(root, 'language', 'lang');
	if (summary)
		out.appendChild(h('figure', {class: 'phone'},
			h('figcaption', {class: 'phone-head'}, L('summary')),
			h('div', {class: 'phone-screen', lang: langAttr(lng || 'zh'), id: 'hh-summary'},
				typeof summary === 'string' ? summary : JSON.stringify(summary))));
	const cadre = root.cadre && typeof root.cadre === 'object' ?
		[root.cadre.name, root.cadre.title, root.cadre.phone].filter(Boolean).join(' ') :
		val(root, 'cadre_name', 'cadre_id');
	out.appendChild(dl([
		[L('hh_id'), val(root, 'household_id', 'id')],
		[L('head'), val(root, 'head_name', 'head')],
		[L('area'), [val(root, 'area_name'), val(root, 'area_code', 'area')].filter(Boolean).join(' ')],
		[L('status'), root.status ? t('hh_' + root.status) : null],
		[L('members_n'), val(root, 'members_count', 'member_count') ?? (typeof root.members === 'number' ? root.members : null)],
		[L('language'), lng ? langName(lng) : null],
		[L('cadre'), cadre],
		[L('cause'), val(root, 'poverty_cause')],
		[L('exit_year'), val(root, 'exit_year')],
	]));
	const members = Array.isArray(hh.members) ? hh.members : (Array.isArray(root.members) ? root.members : null);
	if (members && members.length)
		out.appendChild(table(L('members'), [L('name'), L('relation'), L('tel')],
			members.map((m) => h('tr', null, h('td', null, val(m, 'name') || '–'),
				h('td', null, val(m, 'relation') || '–'),
				h('td', {class: 'mono'}, val(m, 'phone', 'msisdn') || '–')))));
	const enr = hh.enrollments || root.enrollments;
	if (Array.isArray(enr) && enr.length)
		out.appendChild(table(L('enrollments'), [L('name'), L('program'), L('status'), L('updated')],
			enr.map((e) => h('tr', null, h('td', null, val(e, 'name', 'member_name', 'member_id') || '–'),
				h('td', null, val(e, 'program') || '–'), h('td', null, val(e, 'status') || '–'),
				h('td', null, val(e, 'updated_on') || '–')))));
	const pay = hh.payments || root.payments;
	if (Array.isArray(pay) && pay.length)
		out.appendChild(table(L('payments'), [L('program'), L('amount'), L('paid_on'), L('note')],
			pay.map((p) => h('tr', null, h('td', null, val(p, 'program') || '–'),
				h('td', {class: 'num'}, val(p, 'amount_yuan', 'amount') ?? '–'),
				h('td', null, val(p, 'paid_on') || '–'), h('td', null, val(p, 'note') || '')))));
	return out;
}

export default async function render(ctx) {
	const {main} = ctx;
	const hhIn = h('input', {type: 'search', id: 'lk-household', name: 'household',
		autocomplete: 'off', value: ctx.query.get('household') || ''});
	const telIn = h('input', {type: 'search', id: 'lk-msisdn', name: 'msisdn', inputmode: 'tel',
		autocomplete: 'off', value: ctx.query.get('msisdn') || ''});
	const hhOut = h('div', {id: 'lk-household-result', 'aria-live': 'polite'});
	const telOut = h('div', {id: 'lk-msisdn-result', 'aria-live': 'polite'});
	const hhForm = h('form', {class: 'card', role: 'search', 'aria-labelledby': 'lk-hh-h'},
		h('h2', {id: 'lk-hh-h'}, L('hh')),
		h('div', {class: 'row'}, field(L('hh_id'), hhIn, L('hh_hint')),
			h('button', {type: 'submit', class: 'primary', id: 'lk-household-go'}, L('find'))),
		hhOut);
	const telForm = h('form', {class: 'card', role: 'search', 'aria-labelledby': 'lk-tel-h'},
		h('h2', {id: 'lk-tel-h'}, L('phone')),
		h('div', {class: 'row'}, field(L('msisdn'), telIn, L('msisdn_hint')),
			h('button', {type: 'submit', class: 'primary', id: 'lk-msisdn-go'}, L('find'))),
		telOut);
	replace(main, h('h1', null, L('title')), hhForm, telForm);

	async function findHousehold() {
		const id = hhIn.value.trim();
		if (!id)
			return;
		replace(hhOut, h('p', {class: 'loading'}, t('loading')));
		try {
			const hh = await api.get('/api/v1/households/' + encodeURIComponent(id));
			replace(hhOut, householdView(hh));
		} catch (e) {
			replace(hhOut, h('p', {class: 'error', role: 'alert'}, errText(e)));
		}
	}

	async function findMessages() {
		const msisdn = telIn.value.trim();
		if (!msisdn)
			return;
		const tbody = h('tbody');
		const more = h('button', {type: 'button', hidden: true}, t('more'));
		const empty = h('p', {class: 'muted', hidden: true}, t('none'));
		const tbl = table(L('history', {msisdn}), [L('time'), L('dir'), L('text'), t('status'), L('kind')], []);
		tbl.querySelector('table').replaceChild(tbody, tbl.querySelector('tbody'));
		tbl.querySelector('table').id = 'lk-messages';
		replace(telOut, tbl, empty, h('div', {class: 'actions'}, more));
		const rows = pagedRows({
			path: '/api/v1/messages', names: ['messages'], params: () => ({msisdn}),
			tbody, more, empty,
			// The caption names the number as the server gives it (masked
			// for a viewer), not as typed.
			onItems: (items, data) => {
				if (data && data.msisdn)
					tbl.querySelector('caption').textContent = L('history', {msisdn: data.msisdn});
			},
			rowOf: (m) => h('tr', {dataset: {id: m.id}},
				h('td', null, fmtTime(val(m, 'created_at', 'received_at', 'time'))),
				h('td', null, m.direction === 'in' ? L('dir_in') : L('dir_out')),
				h('td', {lang: m.language ? langAttr(m.language) : null}, val(m, 'text') || '–'),
				h('td', null, badge(m.status)),
				h('td', null, [val(m, 'kind', 'command', 'route'), val(m, 'provider'),
					val(m, 'error')].filter(Boolean).join(' · '))),
		});
		more.addEventListener('click', () => rows.more());
		try {
			await rows.reset();
		} catch (e) {
			replace(telOut, h('p', {class: 'error', role: 'alert'}, errText(e)));
		}
	}

	hhForm.addEventListener('submit', (e) => {
		e.preventDefault();
		findHousehold();
	});
	telForm.addEventListener('submit', (e) => {
		e.preventDefault();
		findMessages();
	});
	if (hhIn.value)
		findHousehold();
	if (telIn.value)
		findMessages();
}
