// parts.js: pieces more than one page uses: status badges, the area
// picker over GET /api/v1/areas, a live message region, paged lists.

import {h, replace, newId} from './dom.js';
import {t, tr, tStatus, fmtNum, lang} from './i18n.js';
import * as api from './api.js';

const D = {
	zh: {
		area_any: '（{scope}内全部）',
		area_level: '第 {n} 级地区',
		area_prefix: '地区代码（前缀）',
		area_prefix_hint: '行政区划代码，如 5134（州）、513431（县）；留空为您可见的全部地区。',
		households_n: '{n} 户',
		your_scope: '您的范围',
		lv_2: '省',
		lv_4: '市州',
		lv_6: '县',
		lv_9: '乡镇',
		lv_12: '村',
	},
	en: {
		area_any: '(all of {scope})',
		area_level: 'Area, level {n}',
		area_prefix: 'Area code (prefix)',
		area_prefix_hint: 'A region code such as 5134 (prefecture) or 513431 (county); empty for every area you may see.',
		households_n: '{n} households',
		your_scope: 'your area',
		lv_2: 'province',
		lv_4: 'prefecture',
		lv_6: 'county',
		lv_9: 'township',
		lv_12: 'village',
	},
};

export function badge(status) {
	return h('span', {class: 'badge st-' + (status || 'none')}, tStatus(status));
}

// A polite live region for progress and results (screen readers hear
// what changed without losing their place).
export function liveRegion(cls) {
	return h('div', {class: cls || '', role: 'status', 'aria-live': 'polite',
		dataset: {base: cls || ''}});
}

// The region's text, and its look: kind is 'ok', 'error', 'notice' or
// 'muted' (the region keeps the class it was made with).
export function say(region, text, kind) {
	region.className = [region.dataset.base || '', kind || ''].join(' ').trim();
	region.textContent = text || '';
}

// An error from the API as one line a clerk can read.
export function errText(e) {
	if (!e)
		return '';
	if (e.status === 0)
		return t('network');
	if (e.status === 403)
		return t('forbidden', {msg: e.message});
	if (e.status === 404)
		return t('not_found');
	return t('error', {msg: e.message || e.code || ('HTTP ' + e.status)});
}

// ---- the area tree ---------------------------------------------------------

// The region tree of GET /api/v1/areas, read a level at a time (?area=
// CODE&depth=1, every page): nodes {code, name, households, childCount,
// children, up}.  "" is the caller's scope: the API's root when it has
// one (an office's area), else the provinces.  Kept for the page's life.
const tree = {by: new Map(), loaded: new Map()};

function nodeOf(item) {
	const code = String(item.code ?? item.area_code ?? '');
	let n = tree.by.get(code);
	if (!n) {
		n = {code, name: '', households: null, childCount: null, children: [], up: null};
		tree.by.set(code, n);
	}
	n.name = item.name || item.title || n.name;
	if (item.households !== undefined)
		n.households = item.households ?? item.household_count ?? null;
	if (typeof item.children === 'number')
		n.childCount = item.children;
	return n;
}

// The children of code ("" the caller's scope, whose own code is scope),
// loaded once.
export function areaChildren(code, scope) {
	const root = code || scope || '';
	if (!tree.loaded.has(code)) {
		tree.loaded.set(code, (async () => {
			const out = [];
			let after = null;
			for (let i = 0; i < 20; i++) {
				const q = {depth: 1, limit: 5000};
				if (code)
					q.area = code;
				if (after !== null)
					q.after = after;
				const data = await api.get('/api/v1/areas', q);
				const items = Array.isArray(data) ? data : (data.items || []);
				for (const item of items) {
					const n = nodeOf(item);
					if (n.code === root)
						continue;	/* the area itself comes first */
					n.up = code ? tree.by.get(code) || null : null;
					if (!out.includes(n))
						out.push(n);
				}
				after = Array.isArray(data) ? null : (data.next ?? null);
				if (after === null || !items.length)
					break;
			}
			if (code && tree.by.has(code))
				tree.by.get(code).children = out;
			return out;
		})().catch((e) => {
			tree.loaded.delete(code);
			throw e;
		}));
	}
	return tree.loaded.get(code);
}

// "昭觉县 (513431) · 12 户", or by its level when the tree has no names:
// "县 513431 · 12 户".
function areaLabel(n) {
	const lv = 'lv_' + n.code.length;
	const parts = n.name ? [n.name, '(' + n.code + ')'] :
		[tr(D, lv) === lv ? n.code : tr(D, lv) + ' ' + n.code];
	if (n.households !== null && n.households !== undefined)
		parts.push('· ' + tr(D, 'households_n', {n: fmtNum(n.households)}));
	return parts.join(' ');
}

// Cascading selects, one per level of the tree, inside a fieldset; falls
// back to a text field for the prefix when the tree cannot be had.
// Returns {el, value(), set(code), onChange(fn)}.
export function areaPicker(session, legendText, opts) {
	const listeners = [];
	const wrap = h('div', {class: 'area-path'});
	const status = h('p', {class: 'hint'});
	const el = h('fieldset', {class: 'area-picker'},
		h('legend', null, legendText), wrap, status);
	let chosen = '';
	let text = null;
	let seq = 0;
	const fire = () => listeners.forEach((f) => f(chosen));
	const scopeName = session.area || t('whole_area');

	// The chosen node's path from the scope down; the levels' options
	// are the children of each step (the scope's for the first).
	async function drawLevels(focusLevel) {
		const my = ++seq;
		const path = [];
		for (let n = chosen ? tree.by.get(chosen) : null; n; n = n.up)
			path.unshift(n);
		const levels = [await areaChildren('', session.area)];
		for (const n of path)
			levels.push(n.childCount === 0 ? [] : await areaChildren(n.code, session.area));
		if (my !== seq)
			return;
		replace(wrap);
		levels.forEach((options, level) => {
			if (!options.length)
				return;
			const parent = level === 0 ? null : path[level - 1];
			const sel = h('select', {
				id: newId('area'),
				'aria-label': tr(D, 'area_level', {n: level + 1}),
				dataset: {level: String(level)},
			});
			sel.appendChild(h('option', {value: parent ? parent.code : ''},
				tr(D, 'area_any', {scope: parent ? (parent.name || parent.code) :
					scopeName})));
			for (const n of options)
				sel.appendChild(h('option', {value: n.code}, areaLabel(n)));
			const here = path[level];
			sel.value = here ? here.code : (parent ? parent.code : '');
			sel.addEventListener('change', () => {
				chosen = sel.value;
				fire();
				drawLevels(level).catch(() => drawText());
			});
			wrap.appendChild(sel);
		});
		const n = chosen ? tree.by.get(chosen) : null;
		status.textContent = n ? areaLabel(n) : tr(D, 'your_scope') + ': ' + scopeName;
		if (focusLevel !== undefined) {
			const again = wrap.querySelector('select[data-level="' + focusLevel + '"]');
			if (again)
				again.focus();
		}
	}

	function drawText() {
		text = h('input', {type: 'text', inputmode: 'numeric', pattern: '[0-9]*',
			autocomplete: 'off', value: chosen, class: 'area-code'});
		text.addEventListener('input', () => {
			chosen = text.value.trim();
			fire();
		});
		const id = newId('area');
		text.id = id;
		replace(wrap, h('div', {class: 'field'},
			h('label', {for: id}, tr(D, 'area_prefix')), text));
		status.textContent = tr(D, 'area_prefix_hint');
	}

	if (opts && opts.textOnly) {
		drawText();
	} else {
		replace(wrap, h('span', {class: 'loading'}, t('loading')));
		areaChildren('', session.area).then((roots) => roots.length ? drawLevels() : drawText())
			.catch(() => drawText());
	}
	return {
		el,
		value: () => chosen,
		set: (code) => {
			chosen = code || '';
			if (text)
				text.value = chosen;
			else if (chosen === '' || tree.by.has(chosen))
				drawLevels().catch(() => drawText());
			fire();
		},
		onChange: (fn) => listeners.push(fn),
	};
}

// ---- paged lists --------------------------------------------------------------

// Fills tbody with rows made by rowOf(item) for the pages of path; a
// "load more" button asks for the next page: by key (?after= with the
// answer's "next") where the route pages by key, by offset where it
// answers {offset, total}.  keep(item), if given, drops what a route
// that ignores a filter sent anyway.
export function pagedRows({path, params, names, tbody, rowOf, more, empty,
	limit, onItems, keep}) {
	let after = null;
	let offset = null;
	let count = 0;
	const lim = limit || 50;
	async function load() {
		more.disabled = true;
		const q = Object.assign({}, params(), {limit: lim});
		if (after !== null)
			q.after = after;
		if (offset !== null)
			q.offset = offset;
		const data = await api.get(path, q);
		const page = api.pageOf(data, names);
		const items = keep ? page.items.filter(keep) : page.items;
		for (const it of items)
			tbody.appendChild(rowOf(it));
		count += items.length;
		if (onItems)
			onItems(items, data);
		after = null;
		offset = null;
		let hasMore = false;
		if (data && typeof data.total === 'number' && typeof data.offset === 'number') {
			offset = data.offset + page.items.length;
			hasMore = offset < data.total && page.items.length > 0;
		} else if (page.next !== null && page.next !== undefined) {
			after = page.next;
			hasMore = true;
		}
		more.hidden = !hasMore;
		more.disabled = false;
		empty.hidden = count !== 0;
	}
	return {
		reset: async () => {
			after = null;
			offset = null;
			count = 0;
			replace(tbody);
			await load();
		},
		more: load,
	};
}

export function langName(code) {
	const k = 'lang_' + code;
	const s = t(k);
	return s === k ? code : s;
}

export function langAttr(code) {
	return ['zh', 'ii', 'bo', 'en'].includes(code) ? code : (lang() === 'zh' ? 'zh' : 'en');
}
