// texts.js: #/texts, what villagers read: how much of each language is
// translated (the coverage `fupinctl templates check` counts: translated,
// machine-drafted, missing, with the missing texts), each language's
// texts (USSD screens, SMS replies, notices) with the ones still missing
// or not fitting a page marked, the menu tree (where each option leads,
// which screens need the caller's household, what each one does, the
// languages the language menu hides), and a phone to try the menu in the
// gateway's sandbox (phone.js).  From GET /api/v1/templates.

import {h, replace, table} from '../dom.js';
import {tr, fmtNum} from '../i18n.js';
import {langName, langAttr} from '../parts.js';
import {loadTemplates} from '../templates.js';
import {phone} from '../phone.js';

const D = {
	zh: {
		title: '菜单与文本',
		intro: '农户和干部在手机上看到的全部文字。红色标出的是尚未翻译（仍是中文原文）或缺少的文本。',
		coverage: '翻译进度',
		coverage_hint: '与 fupinctl templates check 的统计相同：机器初译尚待母语人员审校；缺少的文本在手机上显示中文。',
		cov_lang: '语言',
		cov_translated: '已翻译',
		cov_drafted: '机器初译',
		cov_missing: '缺少',
		cov_total: '共计',
		cov_menu: '菜单',
		cov_menu_ok: '完整',
		cov_menu_part: '不完整',
		cov_offered: '语言菜单',
		cov_shown: '可选',
		cov_hidden: '不显示（菜单译文不全）',
		cov_missing_list: '缺少的 {n} 条文本',
		cov_status_error: 'STATUS 文件有误：{msg}',
		langs: '语言',
		group_ussd: 'USSD 菜单',
		group_sms: '短信回复',
		group_notices: '通知模板',
		group_other: '其他',
		key: '文本',
		text: '内容',
		state: '状态',
		ok: '已翻译',
		source: '原文',
		fixed: '无需翻译',
		untranslated: '未翻译',
		missing: '缺少',
		drafted: '机器初译',
		no_fit: '超出一屏',
		summary: '{lang}：{total} 条，未翻译 {un} 条，缺少 {miss} 条，机器初译 {dr} 条',
		menu: '菜单结构',
		menu_hint: '每个选项通向的屏幕；“需核实”的屏幕要求来电号码属于登记农户，否则先核对身份证后 6 位和户编号。',
		villager_menu: '农户菜单',
		cadre_menu: '干部菜单',
		no_menu: '网关没有提供菜单结构。',
		need_household: '需核实农户',
		need_cadre: '仅限干部',
		does: '操作：{a}',
		ends: '结束',
		list: '列表：{x}',
		input: '输入：{x}',
		hidden: '不显示（该语言菜单译文不全）',
		in_chinese: '此语言下显示中文',
		act_feedback: '提交反馈',
		act_enroll: '报名',
		act_callback: '请干部回电',
		act_ack: '确认任务',
		act_language: '设置语言',
		filter_un: '只看未翻译',
		no_api: '网关尚未提供文本接口（GET /api/v1/templates）。',
		phone_read_only: '模拟手机需要项目办或管理员账号。',
	},
	en: {
		title: 'Menus and texts',
		intro: 'Every text villagers and cadres read on their phones. Red marks texts still untranslated (the Chinese source) or missing.',
		coverage: 'Translation coverage',
		coverage_hint: 'The counts of fupinctl templates check: machine drafts still await a native speaker’s review; a missing text shows in Chinese on the phone.',
		cov_lang: 'Language',
		cov_translated: 'Translated',
		cov_drafted: 'Machine-drafted',
		cov_missing: 'Missing',
		cov_total: 'Of',
		cov_menu: 'Menu',
		cov_menu_ok: 'complete',
		cov_menu_part: 'incomplete',
		cov_offered: 'Language menu',
		cov_shown: 'offered',
		cov_hidden: 'hidden (menu texts incomplete)',
		cov_missing_list: 'The {n} missing texts',
		cov_status_error: 'The STATUS file is wrong: {msg}',
		langs: 'Languages',
		group_ussd: 'USSD menu',
		group_sms: 'SMS replies',
		group_notices: 'Notice templates',
		group_other: 'Other',
		key: 'Text',
		text: 'Content',
		state: 'State',
		ok: 'translated',
		source: 'source',
		fixed: 'not translated',
		untranslated: 'untranslated',
		missing: 'missing',
		drafted: 'machine-drafted',
		no_fit: 'does not fit a page',
		summary: '{lang}: {total} texts, {un} untranslated, {miss} missing, {dr} machine-drafted',
		menu: 'Menu tree',
		menu_hint: 'Where each option leads; a screen marked “household” needs the caller’s number registered to a household, or else the ID check (last 6 of an ID number, then the household number).',
		villager_menu: 'Villagers’ menu',
		cadre_menu: 'Cadres’ menu',
		no_menu: 'The gateway gave no menu tree.',
		need_household: 'household',
		need_cadre: 'cadres only',
		does: 'does: {a}',
		ends: 'ends',
		list: 'list: {x}',
		input: 'input: {x}',
		hidden: 'hidden (menu texts incomplete in that language)',
		in_chinese: 'shown in Chinese in this language',
		act_feedback: 'files feedback',
		act_enroll: 'enrolls',
		act_callback: 'asks the cadre to call',
		act_ack: 'acknowledges a task',
		act_language: 'sets the language',
		filter_un: 'Only untranslated',
		no_api: 'The gateway has no texts route yet (GET /api/v1/templates).',
		phone_read_only: 'The phone needs an office or admin account.',
	},
};
const L = (k, v) => tr(D, k, v);

// A text's state in language l: the API's per language ("source",
// "fixed", "translated", "drafted", "missing": still the Chinese or
// empty), "missing" too when the language has no file at all.
function stateOf(e, l) {
	const li = e.langInfo ? e.langInfo[l] : undefined;
	if (li === null)
		return 'missing';
	if (li && li.state)
		return li.state === 'translated' ? 'ok' :
			li.state === 'missing' ? 'untranslated' : li.state;
	const txt = e.texts[l];
	if (txt === undefined || txt === null || txt === '')
		return 'missing';
	if (l === 'zh')
		return 'source';
	if (li && li.translated === false)
		return 'untranslated';
	if (e.texts.zh && txt === e.texts.zh)
		return 'untranslated';
	return 'ok';
}

function fits(e, l) {
	if (e.langInfo && e.langInfo[l] && typeof e.langInfo[l].fits === 'boolean')
		return e.langInfo[l].fits;
	if (typeof e.fits === 'boolean')
		return e.fits;
	return true;
}

// ---- coverage -----------------------------------------------------------

function coverageBox(cov) {
	const rows = [];
	const lists = [];
	for (const [l, c] of Object.entries(cov)) {
		rows.push(h('tr', {dataset: {lang: l}},
			h('th', {scope: 'row', lang: langAttr(l)}, langName(l)),
			h('td', {class: 'num', dataset: {count: 'translated'}}, fmtNum(c.translated)),
			h('td', {class: 'num', dataset: {count: 'drafted'}}, fmtNum(c.drafted)),
			h('td', {class: 'num' + (c.missing ? ' missing' : ''), dataset: {count: 'missing'}},
				fmtNum(c.missing)),
			h('td', {class: 'num', dataset: {count: 'total'}}, fmtNum(c.total)),
			h('td', {class: c.menu_complete ? '' : 'missing'},
				c.menu_complete ? L('cov_menu_ok') : L('cov_menu_part')),
			h('td', {dataset: {offered: c.offered ? 'yes' : 'no'}},
				c.offered ? L('cov_shown') : L('cov_hidden'))));
		if (c.status_error)
			lists.push(h('p', {class: 'error'}, L('cov_status_error', {msg: c.status_error})));
		if (c.missing_keys && c.missing_keys.length)
			lists.push(h('details', {dataset: {lang: l}},
				h('summary', null, langName(l), ' · ',
					L('cov_missing_list', {n: c.missing_keys.length})),
				h('ul', {class: 'keys mono'}, c.missing_keys.map((k) => h('li', null, k)))));
	}
	const tbl = table(null, [L('cov_lang'), L('cov_translated'), L('cov_drafted'),
		L('cov_missing'), L('cov_total'), L('cov_menu'), L('cov_offered')], rows,
	{id: 'tx-coverage'});
	return h('section', {class: 'card', 'aria-labelledby': 'tx-cov-h'},
		h('h2', {id: 'tx-cov-h'}, L('coverage')),
		h('p', {class: 'hint'}, L('coverage_hint')), tbl, lists);
}

// ---- the menu tree --------------------------------------------------------

// The menu as nested lists from `start`: each screen's first line in
// language l, where its options lead, what it needs and does.
function menuTree(menu, ussd, l, start) {
	const screens = new Map();
	for (const s of menu.screens || [])
		screens.set(s.id, s);
	const entryOf = (key) => ussd.find((x) => x.name === key || x.key === 'ussd/' + key);
	const there = (e) => ['ok', 'drafted', 'fixed', 'source'].includes(stateOf(e, l));
	const textOf = (key) => {
		const e = entryOf(key);
		if (!e)
			return key;
		return there(e) ? (e.texts[l] ?? e.texts.zh ?? key) : (e.texts.zh ?? key);
	};
	// Issue 17: a screen is all in one language: the caller's when every
	// text on it is there (drafts count), else Chinese.
	const inChinese = (s) => l !== 'zh' && (s.texts || [s.text]).some((k) => {
		const e = entryOf(k);
		return e && !there(e);
	});
	const tag = (cls, text) => h('span', {class: 'tag ' + cls}, text);
	const seen = new Set();
	const node = (id, label, depth, hidden) => {
		const s = screens.get(id);
		const li = h('li', {dataset: {screen: id}, class: hidden ? 'hidden-option' : null},
			label ? h('span', {lang: langAttr(l)}, label, ' → ') : null,
			h('span', {class: 'sid'}, id));
		if (hidden)
			li.appendChild(tag('tag-hidden', L('hidden')));
		if (!s || seen.has(id) || depth > 8)
			return li;
		seen.add(id);
		li.appendChild(h('span', {lang: langAttr(inChinese(s) ? 'zh' : l)}, ' ',
			String(textOf(s.text)).split('\n')[0]));
		if (s.need)
			li.appendChild(tag('tag-need', s.need === 'cadre' ? L('need_cadre') : L('need_household')));
		if (s.action) {
			const k = 'act_' + s.action;
			li.appendChild(tag('tag-action', L('does', {a: L(k) === k ? s.action : L(k)})));
		}
		if (s.end)
			li.appendChild(tag('tag-end', L('ends')));
		if (inChinese(s))
			li.appendChild(tag('tag-zh', L('in_chinese')));
		const kids = [];
		for (const o of s.options || [])
			kids.push(node(o.go, String(textOf(o.text)).replace(/^\{n\}[.、 ]*/, ''),
				depth + 1, o.hidden));
		if (s.list && s.go)
			kids.push(node(s.go, L('list', {x: s.list}), depth + 1, false));
		if (s.input && s.go)
			kids.push(node(s.go, L('input', {x: s.input}), depth + 1, false));
		if (kids.length)
			li.appendChild(h('ul', null, kids));
		return li;
	};
	return h('ul', {class: 'tree'}, node(start, null, 0, false));
}

export default async function render(ctx) {
	const {main} = ctx;
	const info = await loadTemplates();
	const langs = info.languages;
	let current = ctx.query.get('lang') || (langs.includes('ii') ? 'ii' : langs[0]);
	const tabs = h('div', {class: 'tabs', role: 'tablist', 'aria-label': L('langs')});
	const onlyUn = h('input', {type: 'checkbox', id: 'tx-only-un'});
	const panel = h('div', {role: 'tabpanel', id: 'tx-panel'});
	const summary = h('p', {id: 'tx-summary'});
	const menuBox = h('section', {class: 'card', id: 'tx-menu', 'aria-labelledby': 'tx-menu-h'});
	const groups = Object.entries(info.groups);

	function drawTabs() {
		replace(tabs);
		for (const l of langs) {
			const b = h('button', {type: 'button', role: 'tab', id: 'tx-tab-' + l,
				'aria-selected': String(l === current), 'aria-controls': 'tx-panel',
				tabindex: l === current ? '0' : '-1',
				onclick: () => {
					current = l;
					drawAll();
					document.getElementById('tx-tab-' + l).focus();
				}}, langName(l));
			b.addEventListener('keydown', (e) => {
				const i = langs.indexOf(l);
				const j = e.key === 'ArrowRight' ? (i + 1) % langs.length :
					e.key === 'ArrowLeft' ? (i - 1 + langs.length) % langs.length : -1;
				if (j >= 0) {
					current = langs[j];
					drawAll();
					document.getElementById('tx-tab-' + current).focus();
				}
			});
			tabs.appendChild(b);
		}
		panel.setAttribute('aria-labelledby', 'tx-tab-' + current);
	}

	function drawPanel() {
		let total = 0;
		let un = 0;
		let miss = 0;
		let dr = 0;
		replace(panel);
		for (const [g, entries] of groups) {
			const rows = [];
			for (const e of entries) {
				const st = stateOf(e, current);
				total += 1;
				un += st === 'untranslated' ? 1 : 0;
				miss += st === 'missing' ? 1 : 0;
				dr += st === 'drafted' ? 1 : 0;
				if (onlyUn.checked && !['untranslated', 'missing'].includes(st))
					continue;
				const bad = st === 'untranslated' || st === 'missing';
				const fit = fits(e, current);
				rows.push(h('tr', {dataset: {key: e.key, state: st}},
					h('td', {class: 'mono'}, e.name || e.key),
					h('td', null, h('pre', {class: 'text', lang: langAttr(current)},
						e.texts[current] ?? '')),
					h('td', {class: 'state' + (bad ? ' missing' : '')}, L(st),
						fit ? null : h('span', {class: 'missing'}, ' · ' + L('no_fit')))));
			}
			const key = 'group_' + g;
			const title = L(key) === key ? g : L(key);
			if (rows.length)
				panel.appendChild(table(title, [L('key'), L('text'), L('state')], rows));
		}
		summary.textContent = L('summary', {lang: langName(current), total, un, miss, dr});
	}

	function drawMenu() {
		replace(menuBox, h('h2', {id: 'tx-menu-h'}, L('menu')));
		const m = info.menu;
		if (!m || !Array.isArray(m.screens)) {
			menuBox.appendChild(h('p', {class: 'muted'}, L('no_menu')));
			return;
		}
		const ussd = info.groups.ussd || [];
		menuBox.append(h('p', {class: 'hint'}, L('menu_hint')),
			h('h3', null, L('villager_menu')),
			menuTree(m, ussd, current, m.villager_start || 'main'),
			h('h3', null, L('cadre_menu')),
			menuTree(m, ussd, current, m.cadre_start || 'cadre'));
	}

	function drawAll() {
		drawTabs();
		drawPanel();
		drawMenu();
	}
	onlyUn.addEventListener('change', drawPanel);

	const side = ctx.canWrite ?
		phone({serviceCode: info.service_code, languages: langs,
			lang: current === 'ii' ? 'zh' : current}) :
		h('section', {class: 'phone-wrap'}, h('p', {class: 'muted', id: 'ph-read-only'},
			L('phone_read_only')));
	replace(main, h('h1', null, L('title')),
		h('p', {class: 'muted'}, L('intro')),
		info.raw ? null : h('p', {class: 'notice'}, L('no_api')),
		info.coverage ? coverageBox(info.coverage) : null,
		h('div', {class: 'texts-layout'},
			h('div', null, tabs, summary,
				h('label', {class: 'choice', for: onlyUn.id}, onlyUn, L('filter_un')),
				panel, menuBox),
			side));
	drawAll();
}
