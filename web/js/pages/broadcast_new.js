// broadcast_new.js: #/broadcasts/new, a notice to an audience (SPEC 3.5):
// the template and its variables, the audience, a live preview per
// language from the dry run (POST /api/v1/broadcasts with dry_run), the
// time, then a confirmation before the real POST.  What the form offers
// comes from the gateway's configuration (GET /api/v1/console/settings):
// the programs, the providers (own text only through one that does not
// take approved templates only, SPEC 11), the quiet hours.

import {h, replace, field, select, debounce, dl, newId} from '../dom.js';
import {tr, t, fmtNum, fmtTime, lang} from '../i18n.js';
import * as api from '../api.js';
import {areaPicker, liveRegion, say, errText, langName, langAttr} from '../parts.js';
import {loadTemplates, RECORD_FIELDS, TRAINING_FIELDS} from '../templates.js';

const D = {
	zh: {
		title: '新建群发',
		intro: '选择通知模板并填写内容，选择接收人，看预览，确认后发送。',
		what: '1. 发送什么',
		kind: '内容',
		kind_template: '使用通知模板',
		kind_text: '自己写内容',
		provider: '发送通道',
		provider_default: '按路由规则（默认 {name}）',
		provider_templates: '{name}（仅报备模板）',
		provider_hint: '一般不用选：系统按配置的路由规则选择通道。',
		text_off: '所选通道只发送运营商报备过的模板，不能自己写内容。',
		template: '通知模板',
		template_hint: '模板里的 {name} 等由系统按每户信息自动填写。',
		text: '短信内容',
		text_hint: '所有人收到同样的内容。运营商只允许报备模板时，系统会拒绝自写内容。',
		training: '培训编号',
		training_hint: '如 T2026-513431-01：培训名称、时间和地点从登记系统带出，接收人默认为报名该项目的人。',
		var_label: '变量 {name}',
		who: '2. 发给谁',
		area: '地区',
		role: '对象',
		role_household: '农户（登记的家庭成员手机）',
		role_cadre: '帮扶干部',
		status: '户状态',
		program: '项目',
		enrollment: '报名状态',
		enrollment_hint: '需先选项目。',
		en_enrolled: '已入选',
		en_requested: '已申请',
		en_completed: '已结业',
		language: '语言',
		when: '3. 什么时候发',
		now: '立即发送',
		later: '定时发送',
		send_at: '发送时间',
		quiet: '夜间免打扰时段 {start}–{end}（{tz}）：这段时间内不发群发短信，会顺延到时段结束后。',
		quiet_unknown: '群发短信会避开系统设定的夜间免打扰时段（默认 21:00–08:00），顺延到时段结束后发送。',
		quiet_off: '未设定夜间免打扰时段。',
		in_quiet: '所选时间在免打扰时段内，将在时段结束后开始发送。',
		preview: '预览',
		preview_hint: '按接收人的语言分别显示，与手机上看到的一样。',
		previewing: '正在计算接收人…',
		recipients: '接收人：{n} 个号码',
		recipients_lang: '{n} 个号码 · 每条 {s} 段',
		segments_total: '共约 {n} 条短信（按段计）',
		no_recipients: '没有符合条件的接收人。',
		fill_first: '请先选择模板并填写变量。',
		review: '检查并确认',
		confirm_title: '请确认',
		confirm_lead: '将向 {n} 个号码发送这条通知。',
		confirm_send: '确认发送',
		confirm_schedule: '确认定时发送',
		back: '返回修改',
		sending: '正在提交…',
		created: '已创建群发 {id}，{n} 个接收人。',
		s_template: '模板',
		s_text: '内容',
		s_audience: '接收人',
		s_when: '时间',
		s_now: '立即',
		need_time: '请选择发送时间。',
		cadres_all: '全部干部',
		tpl_general_notice: '通用通知',
		tpl_training_notice: '培训通知',
		tpl_training_reminder: '培训提醒',
		tpl_yulu_application: '雨露计划申请',
		tpl_return_home_support: '返乡创业扶持',
		var_text: '通知内容',
	},
	en: {
		title: 'New broadcast',
		intro: 'Choose a notice and fill it in, choose who gets it, check the preview, then confirm.',
		what: '1. What to send',
		kind: 'Content',
		kind_template: 'A notice template',
		kind_text: 'My own text',
		provider: 'Provider',
		provider_default: 'By the routing rules (default {name})',
		provider_templates: '{name} (approved templates only)',
		provider_hint: 'Leave it: the gateway picks the provider by its routing rules.',
		text_off: 'The provider chosen sends approved templates only: no text of your own.',
		template: 'Notice template',
		template_hint: 'Fields such as {name} are filled from each household’s record.',
		text: 'Message text',
		text_hint: 'Everyone gets the same text. A provider that only takes approved templates refuses it.',
		training: 'Training id',
		training_hint: 'e.g. T2026-513431-01: its title, day and place come from the registry; the audience defaults to those enrolled in its program.',
		var_label: 'Variable {name}',
		who: '2. Who gets it',
		area: 'Area',
		role: 'Recipients',
		role_household: 'Households (members’ registered phones)',
		role_cadre: 'Village cadres',
		status: 'Household status',
		program: 'Program',
		enrollment: 'Enrollment',
		enrollment_hint: 'Choose a program first.',
		en_enrolled: 'enrolled',
		en_requested: 'requested',
		en_completed: 'completed',
		language: 'Language',
		when: '3. When',
		now: 'Send now',
		later: 'Schedule',
		send_at: 'Send at',
		quiet: 'Quiet hours {start}–{end} ({tz}): no broadcast goes out then; it waits for their end.',
		quiet_unknown: 'Broadcasts wait out the configured quiet hours (21:00–08:00 by default).',
		quiet_off: 'No quiet hours are configured.',
		in_quiet: 'That time is within quiet hours: sending starts when they end.',
		preview: 'Preview',
		preview_hint: 'One per recipients’ language, as the phone shows it.',
		previewing: 'Counting recipients…',
		recipients: 'Recipients: {n} numbers',
		recipients_lang: '{n} numbers · {s} segment(s) each',
		segments_total: 'About {n} SMS segments in all',
		no_recipients: 'Nobody matches.',
		fill_first: 'Choose a template and fill in its variables first.',
		review: 'Review and confirm',
		confirm_title: 'Please confirm',
		confirm_lead: 'This notice goes to {n} numbers.',
		confirm_send: 'Send now',
		confirm_schedule: 'Schedule it',
		back: 'Change it',
		sending: 'Submitting…',
		created: 'Broadcast {id} created for {n} recipients.',
		s_template: 'Template',
		s_text: 'Text',
		s_audience: 'Audience',
		s_when: 'When',
		s_now: 'now',
		need_time: 'Choose a time.',
		cadres_all: 'all cadres',
		tpl_general_notice: 'General notice',
		tpl_training_notice: 'Training notice',
		tpl_training_reminder: 'Training reminder',
		tpl_yulu_application: 'Yulu plan applications',
		tpl_return_home_support: 'Return-home business support',
		var_text: 'Notice text',
	},
};
const L = (k, v) => tr(D, k, v);

export default async function render(ctx) {
	const {main, session} = ctx;
	const [info, settings] = await Promise.all([
		loadTemplates().catch(() => null),
		api.get('/api/v1/console/settings').catch(() => null)]);
	const notices = info ? info.notices.filter((n) => n.name !== 'task_alert') : [];
	// {quiet_hours: {start, end} | null, timezone}: the configuration's.
	const schedule = settings && settings.schedule ? settings.schedule : null;
	const providers = settings && Array.isArray(settings.providers) ? settings.providers : [];
	const freeText = settings && settings.sms ? settings.sms.free_text !== false : true;

	// ---- 1. what
	const kindTemplate = h('input', {type: 'radio', name: 'kind', value: 'template',
		id: newId('k'), checked: true});
	const kindText = h('input', {type: 'radio', name: 'kind', value: 'text', id: newId('k')});
	const tplName = (n) => {
		const k = 'tpl_' + n.name;
		return L(k) === k ? (n.title || n.name) : L(k) + ' (' + n.name + ')';
	};
	const tplSelect = select(notices.map((n) => [n.name, tplName(n)]),
		{id: 'bc-template', name: 'template'});
	if (notices.some((n) => n.name === 'general_notice'))
		tplSelect.value = 'general_notice';
	const tplText = h('pre', {class: 'text tpl-text', id: newId('tt')});
	const varsBox = h('div', {class: 'vars'});
	const trainingInput = h('input', {type: 'text', id: 'bc-training', name: 'training',
		autocomplete: 'off'});
	const trainingField = field(L('training'), trainingInput, L('training_hint'));
	const textArea = h('textarea', {id: 'bc-text', name: 'text', rows: 4, maxlength: 1000});
	const textField = field(L('text'), textArea, L('text_hint'));
	textField.hidden = true;
	const tplField = field(L('template'), tplSelect, L('template_hint'));
	const varInputs = new Map();

	function currentNotice() {
		return notices.find((n) => n.name === tplSelect.value) || null;
	}

	function drawVars() {
		const n = currentNotice();
		replace(varsBox);
		varInputs.clear();
		if (!n)
			return;
		const sample = n.texts[lang() === 'zh' ? 'zh' : 'en'] || n.texts.zh || '';
		tplText.textContent = sample;
		tplText.setAttribute('lang', n.texts[lang() === 'zh' ? 'zh' : 'en'] ? (lang() === 'zh' ? 'zh' : 'en') : 'zh');
		const needsTraining = n.variables.some((v) => TRAINING_FIELDS.includes(v));
		trainingField.hidden = !needsTraining;
		for (const v of n.variables) {
			if (RECORD_FIELDS.includes(v))
				continue;
			const inp = v === 'text' ?
				h('textarea', {rows: 3, name: 'var-' + v, id: 'bc-var-' + v}) :
				h('input', {type: 'text', name: 'var-' + v, id: 'bc-var-' + v, autocomplete: 'off'});
			inp.addEventListener('input', refresh);
			varInputs.set(v, inp);
			const vk = 'var_' + v;
			varsBox.appendChild(field(L(vk) === vk ? L('var_label', {name: v}) : L(vk), inp));
		}
	}

	// The provider: none chosen (the routing rules pick), or one by name.
	const defName = settings && settings.sms ? settings.sms.default_provider || '' : '';
	const providerSel = select([['', L('provider_default', {name: defName})]].concat(
		providers.map((p) => [p.name, p.templates_only ?
			L('provider_templates', {name: p.name}) : p.name])), {id: 'bc-provider'});
	const providerField = field(L('provider'), providerSel, L('provider_hint'));
	providerField.hidden = providers.length < 2;
	const kindTextLabel = h('label', {class: 'choice', for: kindText.id}, kindText, L('kind_text'));
	const textOff = h('p', {class: 'hint', id: 'bc-text-off'}, L('text_off'));
	// SPEC 11: a text of one's own only through a provider that takes it.
	function textAllowed() {
		const p = providers.find((x) => x.name === providerSel.value);
		return p ? !p.templates_only : freeText;
	}
	const what = h('fieldset', null, h('legend', null, L('what')),
		providerField,
		h('div', {class: 'choices', role: 'radiogroup', 'aria-label': L('kind')},
			h('label', {class: 'choice', for: kindTemplate.id}, kindTemplate, L('kind_template')),
			kindTextLabel),
		textOff, tplField, tplText, trainingField, varsBox, textField);
	if (!notices.length) {
		kindTemplate.disabled = true;
		kindText.checked = true;
	}

	// ---- 2. who
	const picker = areaPicker(session, L('area'));
	const roleHh = h('input', {type: 'radio', name: 'role', value: 'household', id: newId('r'), checked: true});
	const roleCadre = h('input', {type: 'radio', name: 'role', value: 'cadre', id: newId('r')});
	const statusSel = select([['', t('any')], ['poor', t('hh_poor')],
		['exited', t('hh_exited')], ['monitored', t('hh_monitored')]], {id: 'bc-status'});
	// The configuration's programs (the three built in and any added);
	// their names as configured, in English the known ones translated.
	const programs = settings && Array.isArray(settings.programs) && settings.programs.length ?
		settings.programs : [{code: 'YL'}, {code: 'CY'}, {code: 'XD'}];
	const programSel = select([['', t('any')]].concat(programs.map((p) => {
		const k = 'prog_' + p.code;
		const name = lang() !== 'zh' && t(k) !== k ? t(k) : (p.name || (t(k) !== k ? t(k) : p.code));
		return [p.code, p.code + ' ' + name];
	})), {id: 'bc-program'});
	const enrollSel = select([['', t('any')], ['enrolled', L('en_enrolled')],
		['requested', L('en_requested')], ['completed', L('en_completed')]],
	{id: 'bc-enrollment', disabled: true});
	const audienceLangs = settings && settings.languages && Array.isArray(settings.languages.all) ?
		settings.languages.all : ['zh', 'ii', 'bo', 'en'];
	const langSel = select([['', t('any')]].concat(audienceLangs.map((c) =>
		[c, langName(c)])), {id: 'bc-language'});
	const hhOnly = h('div', {class: 'row'},
		field(L('status'), statusSel), field(L('program'), programSel),
		field(L('enrollment'), enrollSel, L('enrollment_hint')),
		field(L('language'), langSel));
	const who = h('fieldset', null, h('legend', null, L('who')),
		h('div', {class: 'choices', role: 'radiogroup', 'aria-label': L('role')},
			h('label', {class: 'choice', for: roleHh.id}, roleHh, L('role_household')),
			h('label', {class: 'choice', for: roleCadre.id}, roleCadre, L('role_cadre'))),
		picker.el, hhOnly);

	// ---- 3. when
	const now = h('input', {type: 'radio', name: 'when', value: 'now', id: newId('w'), checked: true});
	const later = h('input', {type: 'radio', name: 'when', value: 'later', id: newId('w')});
	const at = h('input', {type: 'datetime-local', id: 'bc-send-at', name: 'send_at', step: 60});
	const atField = field(L('send_at'), at);
	atField.hidden = true;
	const quietNote = h('p', {class: 'hint', id: 'bc-quiet'});
	const quietWarn = h('p', {class: 'notice', role: 'status'});
	if (!schedule || schedule.quiet_hours === undefined) {
		quietNote.textContent = L('quiet_unknown');
	} else if (!schedule.quiet_hours) {
		quietNote.textContent = L('quiet_off');
		quietNote.dataset.quiet = 'off';
	} else {
		quietNote.textContent = L('quiet', {start: schedule.quiet_hours.start,
			end: schedule.quiet_hours.end, tz: schedule.timezone || 'Asia/Shanghai'});
		quietNote.dataset.quiet = schedule.quiet_hours.start + '-' + schedule.quiet_hours.end;
	}
	const when = h('fieldset', null, h('legend', null, L('when')),
		h('div', {class: 'choices'},
			h('label', {class: 'choice', for: now.id}, now, L('now')),
			h('label', {class: 'choice', for: later.id}, later, L('later'))),
		atField, quietNote, quietWarn);

	// ---- preview
	const previewLive = liveRegion('preview-count');
	const previews = h('div', {class: 'previews', id: 'bc-previews'});
	const segNote = h('p', {class: 'hint', id: 'bc-segments'});
	const previewErr = h('p', {class: 'error', role: 'alert'});
	const preview = h('section', {class: 'card preview', 'aria-labelledby': 'bc-prev-h'},
		h('h2', {id: 'bc-prev-h'}, L('preview')),
		h('p', {class: 'hint'}, L('preview_hint')),
		previewLive, previewErr, previews, segNote);

	const reviewBtn = h('button', {type: 'button', class: 'primary', id: 'bc-review',
		disabled: true}, L('review'));
	const confirmBox = h('section', {class: 'card confirm-box', id: 'bc-confirm',
		hidden: true, 'aria-labelledby': 'bc-confirm-h'});
	const result = liveRegion();

	const form = h('form', {id: 'bc-form', novalidate: true,
		onsubmit: (e) => e.preventDefault()},
	what, who, when, h('div', {class: 'actions'}, reviewBtn));
	replace(main,
		h('h1', null, L('title')),
		h('p', {class: 'muted'}, L('intro')),
		h('div', {class: 'compose'}, h('div', null, form, confirmBox, result), preview));

	// ---- behaviour
	function body(dry) {
		const b = {};
		if (providerSel.value)
			b.provider = providerSel.value;
		if (kindText.checked) {
			b.text = textArea.value;
		} else {
			b.template = tplSelect.value;
			const vars = {};
			for (const [k, inp] of varInputs)
				vars[k] = inp.value;
			if (Object.keys(vars).length)
				b.vars = vars;
			if (!trainingField.hidden && trainingInput.value.trim())
				b.training = trainingInput.value.trim();
		}
		const aud = {};
		if (picker.value())
			aud.area = picker.value();
		if (roleCadre.checked) {
			aud.role = 'cadre';
		} else {
			if (statusSel.value)
				aud.status = statusSel.value;
			if (programSel.value)
				aud.program = programSel.value;
			if (programSel.value && enrollSel.value)
				aud.enrollment = enrollSel.value;
			if (langSel.value)
				aud.language = langSel.value;
		}
		b.audience = aud;
		if (later.checked && at.value)
			b.send_at = new Date(at.value).toISOString().replace(/\.\d{3}Z$/, 'Z');
		if (dry)
			b.dry_run = true;
		return b;
	}

	function ready() {
		if (kindText.checked)
			return textArea.value.trim() !== '';
		if (!currentNotice())
			return false;
		for (const inp of varInputs.values())
			if (inp.value.trim() === '')
				return false;
		if (!trainingField.hidden && !trainingInput.value.trim())
			return false;
		return !(later.checked && !at.value);
	}

	let lastDry = null;
	let ctl = null;
	const runDry = debounce(async () => {
		if (!ctx.alive())
			return;
		confirmBox.hidden = true;
		if (!ready()) {
			lastDry = null;
			reviewBtn.disabled = true;
			replace(previews);
			segNote.textContent = '';
			delete previewLive.dataset.recipients;
			say(previewLive, later.checked && !at.value ? L('need_time') : L('fill_first'), 'muted');
			previewErr.textContent = '';
			return;
		}
		if (ctl)
			ctl.abort();
		ctl = new AbortController();
		say(previewLive, L('previewing'), 'muted');
		try {
			const d = await api.post('/api/v1/broadcasts', body(true), {signal: ctl.signal});
			lastDry = d;
			previewErr.textContent = '';
			drawPreview(d);
			reviewBtn.disabled = !(d.recipients > 0);
		} catch (e) {
			if (e.name === 'AbortError')
				return;
			lastDry = null;
			reviewBtn.disabled = true;
			replace(previews);
			segNote.textContent = '';
			delete previewLive.dataset.recipients;
			say(previewLive, '');
			previewErr.textContent = errText(e);
		}
	}, 350);

	function drawPreview(d) {
		previewLive.dataset.recipients = String(d.recipients);
		say(previewLive, d.recipients > 0 ? L('recipients', {n: fmtNum(d.recipients)}) :
			L('no_recipients'), d.recipients > 0 ? 'ok' : 'notice');
		replace(previews);
		const langs = d.languages || {};
		for (const [code, p] of Object.entries(langs)) {
			previews.appendChild(h('figure', {class: 'phone', dataset: {lang: code}},
				h('div', {class: 'phone-head'}, h('span', null, langName(code)),
					h('span', null, '10690001')),
				h('div', {class: 'phone-screen', lang: langAttr(code)}, p.sample || ''),
				h('figcaption', {class: 'phone-meta'},
					L('recipients_lang', {n: fmtNum(p.recipients), s: p.segments}))));
		}
		segNote.textContent = d.segments !== undefined ?
			L('segments_total', {n: fmtNum(d.segments)}) : '';
	}

	function refresh() {
		const allowed = textAllowed();
		kindTextLabel.hidden = !allowed;
		textOff.hidden = allowed;
		if (!allowed && kindText.checked && notices.length) {
			kindText.checked = false;
			kindTemplate.checked = true;
		}
		enrollSel.disabled = !programSel.value;
		hhOnly.hidden = roleCadre.checked;
		textField.hidden = !kindText.checked;
		tplField.hidden = kindText.checked;
		tplText.hidden = kindText.checked;
		varsBox.hidden = kindText.checked;
		if (kindText.checked)
			trainingField.hidden = true;
		atField.hidden = !later.checked;
		quietWarn.textContent = later.checked && at.value && schedule &&
			inQuiet(new Date(at.value), schedule) ? L('in_quiet') : '';
		runDry();
	}

	function audienceText(a) {
		const parts = [];
		parts.push(a.role === 'cadre' ? L('role_cadre') : L('role_household'));
		parts.push(L('area') + ': ' + (a.area || session.area || t('whole_area')));
		if (a.status)
			parts.push(L('status') + ': ' + t('hh_' + a.status));
		if (a.program)
			parts.push(L('program') + ': ' + a.program + (a.enrollment ? ' / ' + L('en_' + a.enrollment) : ''));
		if (a.language)
			parts.push(L('language') + ': ' + langName(a.language));
		return parts.join('；');
	}

	reviewBtn.addEventListener('click', () => {
		if (!lastDry || !ready())
			return;
		const b = body(false);
		const sendBtn = h('button', {type: 'button', class: 'primary', id: 'bc-send'},
			b.send_at ? L('confirm_schedule') : L('confirm_send'));
		const backBtn = h('button', {type: 'button', id: 'bc-back'}, L('back'));
		replace(confirmBox,
			h('h2', {id: 'bc-confirm-h', tabindex: '-1'}, L('confirm_title')),
			h('p', null, L('confirm_lead', {n: fmtNum(lastDry.recipients)})),
			dl([
				[b.template ? L('s_template') : L('s_text'), b.template || b.text],
				[L('provider'), b.provider || ''],
				[L('s_audience'), audienceText(b.audience)],
				[L('s_when'), b.send_at ? fmtTime(b.send_at) : L('s_now')],
			]),
			h('div', {class: 'actions'}, sendBtn, backBtn));
		confirmBox.hidden = false;
		confirmBox.querySelector('h2').focus();
		backBtn.addEventListener('click', () => {
			confirmBox.hidden = true;
			reviewBtn.focus();
		});
		sendBtn.addEventListener('click', async () => {
			sendBtn.disabled = true;
			backBtn.disabled = true;
			say(result, L('sending'), 'muted');
			try {
				const r = await api.post('/api/v1/broadcasts', b);
				say(result, L('created', {id: r.id, n: fmtNum(r.recipients)}), 'ok');
				ctx.go('#/broadcasts/' + encodeURIComponent(r.id));
			} catch (e) {
				say(result, errText(e), 'error');
				sendBtn.disabled = false;
				backBtn.disabled = false;
			}
		});
	});

	for (const el of [kindTemplate, kindText, roleHh, roleCadre, now, later])
		el.addEventListener('change', refresh);
	for (const el of [statusSel, programSel, enrollSel, langSel, at, providerSel])
		el.addEventListener('change', refresh);
	at.addEventListener('input', refresh);
	textArea.addEventListener('input', refresh);
	trainingInput.addEventListener('input', refresh);
	tplSelect.addEventListener('change', () => {
		drawVars();
		refresh();
	});
	picker.onChange(refresh);
	const pre = ctx.query.get('area');
	if (pre)
		picker.set(pre);
	drawVars();
	refresh();
}

// Is this moment inside the quiet hours ({start, end} "HH:MM") in the
// schedule's zone?
function inQuiet(d, schedule) {
	const q = schedule.quiet_hours;
	const m = q ? /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(q.start + '-' + q.end) : null;
	if (!m || Number.isNaN(d.getTime()))
		return false;
	let hm;
	try {
		const parts = new Intl.DateTimeFormat('en-GB', {timeZone: schedule.timezone || 'Asia/Shanghai',
			hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).formatToParts(d);
		const hh = Number(parts.find((p) => p.type === 'hour').value);
		const mm = Number(parts.find((p) => p.type === 'minute').value);
		hm = hh * 60 + mm;
	} catch (e) {
		hm = d.getHours() * 60 + d.getMinutes();
	}
	const a = Number(m[1]) * 60 + Number(m[2]);
	const b = Number(m[3]) * 60 + Number(m[4]);
	return a <= b ? hm >= a && hm < b : hm >= a || hm < b;
}
