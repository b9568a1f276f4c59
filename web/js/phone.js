// phone.js: a basic phone on the page to try the USSD menu, the
// browser's `fupinctl phone`: dial, type digits, send.  Each step posts
// every input so far, joined by '*' as USSD sends them, to POST
// /api/v1/console/phone, the gateway's sandbox (docs/security.md): it
// calls from a test number that belongs to no household, stores and
// sends nothing (a feedback ticket, an enrollment, a call-back are
// answered as the villager would see them, not made), and checks the ID
// challenge against no household.  Office and admin accounts only; a
// few dozen steps a minute per session.

import {h, field, newId, select} from './dom.js';
import {tr, t} from './i18n.js';
import * as api from './api.js';
import {langName} from './parts.js';

const D = {
	zh: {
		title: '模拟手机',
		sandbox: '演练模式：以一个不属于任何农户的测试号码拨打，不保存、不发送任何内容；反馈、报名等操作只显示农户会看到的结果，不会真正提交。',
		caller_lang: '来电人的语言',
		dial: '拨打 {code}',
		send: '发送',
		hang: '挂断',
		input: '输入',
		idle: '按“拨打”开始。',
		ended: '（通话结束）',
		waiting: '…',
		skipped: '（演练：未真正{what}）',
		act_feedback: '提交反馈',
		act_enroll: '报名',
		act_callback: '请干部回电',
		act_ack: '确认任务',
		act_language: '保存语言',
		refused: '网关拒绝了请求：{msg}',
		refused_403: '您的账号不能使用模拟手机（需要项目办或管理员账号）。',
		refused_429: '操作太快了，请稍等一分钟再试。',
		key: '按键 {k}',
	},
	en: {
		title: 'Try the menu on a phone',
		sandbox: 'A rehearsal: the call comes from a test number of no household, and nothing is stored or sent; feedback, enrollment and the like show what a villager would see, without being made.',
		caller_lang: 'The caller’s language',
		dial: 'Dial {code}',
		send: 'Send',
		hang: 'Hang up',
		input: 'Input',
		idle: 'Press “Dial” to start.',
		ended: '(call ended)',
		waiting: '…',
		skipped: '(rehearsal: {what} not done)',
		act_feedback: 'the feedback',
		act_enroll: 'the enrollment',
		act_callback: 'the call-back request',
		act_ack: 'the acknowledgement',
		act_language: 'the language',
		refused: 'The gateway refused the request: {msg}',
		refused_403: 'Your account cannot use the phone (an office or admin account can).',
		refused_429: 'Too fast: wait a minute and try again.',
		key: 'Key {k}',
	},
};
const L = (k, v) => tr(D, k, v);

// A phone bound to serviceCode; returns its element.
export function phone({serviceCode, languages, lang}) {
	const langSel = select((languages || ['zh', 'ii', 'bo', 'en']).map((c) =>
		[c, langName(c)]), {id: 'ph-lang', value: lang || 'zh'});
	const screen = h('div', {class: 'phone-screen', id: 'ph-screen', role: 'log',
		'aria-live': 'polite', lang: 'zh'}, L('idle'));
	const input = h('input', {type: 'text', id: 'ph-input', inputmode: 'numeric',
		autocomplete: 'off', 'aria-label': L('input'), disabled: true});
	const send = h('button', {type: 'submit', id: 'ph-send', disabled: true}, L('send'));
	const dial = h('button', {type: 'button', class: 'call', id: 'ph-dial'}, L('dial', {code: serviceCode}));
	const hang = h('button', {type: 'button', class: 'hang', id: 'ph-hang', disabled: true}, L('hang'));
	const keys = h('div', {class: 'keypad'});
	for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'])
		keys.appendChild(h('button', {type: 'button', 'aria-label': L('key', {k}),
			onclick: () => {
				if (input.disabled)
					return;
				input.value += k;
				input.focus();
			}}, k));
	keys.append(dial, h('span'), hang);

	let calling = false;
	let inputs = [];

	function show(text, end) {
		screen.textContent = text;
		screen.dataset.end = end ? 'yes' : 'no';
	}

	async function step() {
		show(L('waiting'), false);
		let answer;
		try {
			answer = await api.post('/api/v1/console/phone',
				{text: inputs.join('*'), lang: langSel.value}, {noRedirect: true});
		} catch (e) {
			show(e.status === 403 ? L('refused_403') :
				e.status === 429 ? L('refused_429') :
					e.status === 0 ? t('network') :
						L('refused', {msg: e.message || e.status}), true);
			end();
			return;
		}
		screen.lang = answer.lang || 'zh';
		screen.dataset.screenId = answer.screen_id || '';
		if (!answer.end) {
			show(answer.screen, false);
			input.disabled = false;
			send.disabled = false;
			input.focus();
			return;
		}
		const what = (answer.skipped || []).map((a) => {
			const k = 'act_' + a;
			return L(k) === k ? a : L(k);
		});
		show(answer.screen + '\n' + L('ended') +
			(what.length ? '\n' + L('skipped', {what: what.join('、')}) : ''), true);
		screen.dataset.skipped = (answer.skipped || []).join(',');
		end();
	}

	function end() {
		calling = false;
		input.disabled = true;
		send.disabled = true;
		hang.disabled = true;
		dial.disabled = false;
		langSel.disabled = false;
	}

	dial.addEventListener('click', () => {
		calling = true;
		inputs = [];
		input.value = '';
		delete screen.dataset.skipped;
		dial.disabled = true;
		hang.disabled = false;
		langSel.disabled = true;
		step();
	});
	hang.addEventListener('click', () => {
		show(L('ended'), true);
		end();
		dial.focus();
	});
	const form = h('form', {class: 'phone-input'}, input, send);
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		if (!calling || input.value === '')
			return;
		inputs.push(input.value.trim());
		input.value = '';
		input.disabled = true;
		send.disabled = true;
		step();
	});
	const id = newId('ph');
	return h('section', {class: 'phone-wrap', 'aria-labelledby': id},
		h('h2', {id}, L('title')),
		h('p', {class: 'hint', id: 'ph-sandbox'}, L('sandbox')),
		field(L('caller_lang'), langSel),
		h('div', {class: 'phone'},
			h('div', {class: 'phone-head'}, h('span', null, serviceCode), h('span', null, 'USSD')),
			screen, form, keys));
}
