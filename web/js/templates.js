// templates.js: GET /api/v1/templates (SPEC 10: names, languages, texts,
// variables, page fit) read once and put in one shape for the pages:
//   {languages: [...], notices: [{name, variables, texts: {lang: text}}],
//    groups: {group: [{key, texts, variables, fits, untranslated}]},
//    menu: {...} | null, coverage: {lang: {...}} | null,
//    programs: [...], schedule: {...} | null}
// When the route is missing (an older gateway), the notices the
// repository ships are offered by name, with the variables their texts use.

import * as api from './api.js';

// A recipient's own record fills these; they are never asked for (SPEC 3.5).
export const RECORD_FIELDS = ['name', 'household_id', 'cadre_name', 'cadre_phone',
	'training_title', 'starts_on', 'location'];
export const TRAINING_FIELDS = ['training_title', 'starts_on', 'location'];

const SHIPPED = [
	['general_notice', ['text'], '{text} 回TD退订'],
	['training_notice', ['name', 'training_title', 'starts_on', 'location'],
		'{name}您好：{training_title}将于{starts_on}在{location}举办，欢迎参加。详情请问村帮扶干部。回TD退订'],
	['training_reminder', ['name', 'training_title', 'starts_on', 'location'],
		'{name}您好，提醒您：{training_title}于{starts_on}在{location}开始，请准时参加。回TD退订'],
	['yulu_application', ['name'], '{name}您好：雨露计划现已开始申请……回TD退订'],
	['return_home_support', ['name'], '{name}您好：返乡创业可申请创业培训、贷款等扶持……回TD退订'],
];

let cache = null;

function varsOf(text) {
	const out = [];
	for (const m of String(text || '').matchAll(/\{([a-z_][a-z0-9_]*)\}/g))
		if (!out.includes(m[1]))
			out.push(m[1]);
	return out;
}

// One text entry of whatever shape into {key, group, texts, variables, ...}.
function entry(raw, group) {
	const texts = {};
	const langInfo = {};
	if (raw.languages && typeof raw.languages === 'object' && !Array.isArray(raw.languages)) {
		// GET /api/v1/templates: {lang: null | {text, translated, fits, segments, chars}}
		for (const [l, v] of Object.entries(raw.languages)) {
			langInfo[l] = v && typeof v === 'object' ? v : null;
			texts[l] = typeof v === 'string' ? v : (v && (v.text ?? v.body)) ?? undefined;
		}
	} else if (raw.texts && typeof raw.texts === 'object') {
		for (const [l, v] of Object.entries(raw.texts))
			texts[l] = typeof v === 'string' ? v : (v && (v.text ?? v.body)) || '';
	} else if (typeof raw.text === 'string') {
		texts[raw.lang || raw.language || 'zh'] = raw.text;
	}
	let variables = raw.variables || raw.vars;
	if (!Array.isArray(variables)) {
		variables = [];
		for (const s of Object.values(texts))
			for (const v of varsOf(s))
				if (!variables.includes(v))
					variables.push(v);
	}
	const key = raw.key || raw.name || raw.id || '';
	return {
		key, name: key.includes('/') ? key.split('/').pop() : key,
		group: raw.group || raw.kind || group || (key.includes('/') ? key.split('/')[0] : ''),
		texts, variables, langInfo,
		fits: raw.fits ?? raw.page_fit ?? raw.fit ?? null,
		untranslated: raw.untranslated || raw.missing || null,
		status: raw.status || null,
		title: raw.title || null,
	};
}

export async function loadTemplates() {
	if (cache)
		return cache;
	let data = null;
	try {
		// Every page (paged by key: ?after=, "next").
		let after = null;
		for (let i = 0; i < 20; i++) {
			const page = await api.get('/api/v1/templates', after === null ? null : {after});
			if (data === null)
				data = page;
			else if (Array.isArray(page.items))
				data.items = (data.items || []).concat(page.items);
			after = page && !Array.isArray(page) ? (page.next ?? null) : null;
			if (after === null)
				break;
		}
	} catch (e) {
		if (e.status !== 404 && e.status !== 405)
			throw e;
		data = null;
	}
	const out = {languages: ['zh', 'ii', 'bo', 'en'], notices: [], groups: {},
		menu: null, coverage: null, programs: [], schedule: null, service_code: '*123#',
		raw: data};
	if (!data) {
		for (const [name, variables, zh] of SHIPPED)
			out.notices.push({key: 'notices/' + name, name, group: 'notices',
				texts: {zh}, variables, fits: null, untranslated: null});
		out.groups.notices = out.notices;
		cache = out;
		return out;
	}
	if (Array.isArray(data.languages) && data.languages.length)
		out.languages = data.languages.map((l) => typeof l === 'string' ? l : l.code);
	const all = [];
	const take = (list, group) => {
		for (const raw of list || [])
			all.push(entry(raw, group));
	};
	if (Array.isArray(data.templates))
		take(data.templates);
	if (Array.isArray(data.items))
		take(data.items);
	for (const g of ['notices', 'sms', 'ussd']) {
		if (Array.isArray(data[g]))
			take(data[g], g);
		else if (data[g] && typeof data[g] === 'object')
			take(Object.entries(data[g]).map(([k, v]) => Object.assign({key: k},
				typeof v === 'string' ? {text: v} : v)), g);
	}
	if (data.texts && typeof data.texts === 'object' && !Array.isArray(data.texts)) {
		// {lang: {key: text}} turned around into one entry per key
		const byKey = new Map();
		for (const [l, tab] of Object.entries(data.texts))
			for (const [k, v] of Object.entries(tab || {})) {
				if (!byKey.has(k))
					byKey.set(k, {key: k, texts: {}});
				byKey.get(k).texts[l] = typeof v === 'string' ? v : (v && v.text) || '';
			}
		take([...byKey.values()]);
	} else if (Array.isArray(data.texts)) {
		take(data.texts);
	}
	for (const e of all) {
		const g = e.group || 'other';
		(out.groups[g] = out.groups[g] || []).push(e);
	}
	out.notices = (out.groups.notices || out.groups.notice || []);
	out.menu = data.menu || null;
	// Issue 17: per language but zh, the counts of templates check.
	out.coverage = data.coverage && typeof data.coverage === 'object' ? data.coverage : null;
	out.programs = Array.isArray(data.programs) ? data.programs.map((p) =>
		typeof p === 'string' ? {code: p} : p) : [];
	out.schedule = data.schedule || null;
	if (data.service_code)
		out.service_code = data.service_code;
	else if (data.ussd && data.ussd.service_code)
		out.service_code = data.ussd.service_code;
	cache = out;
	return out;
}
