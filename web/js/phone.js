// phone.js: a basic phone on the page, the browser's `fupinctl phone`
// (gateway/ctl/ctl_phone.c): dial, type digits, send; each step posts
// the Africa's Talking fields to POST /ussd (SPEC 3.3): sessionId,
// serviceCode, phoneNumber and text, every input so far joined by '*'.
// CON waits for the next input, END ends the call.

import {h, replace, field, newId} from './dom.js';
import {tr, t} from './i18n.js';
import * as api from './api.js';

const D = {
	zh: {
		title: '模拟手机',
		number: '手机号',
		number_hint: '演示号码见 data/demo/README.md，如 13908340107（农户）、19908349001（干部）。',
		dial: '拨打 {code}',
		send: '发送',
		hang: '挂断',
		input: '输入',
		idle: '按“拨打”开始。',
		ended: '（通话结束）',
		waiting: '…',
		refused: '网关拒绝了请求：{msg}',
		refused_401: '网关只接受本机（或签名）的 /ussd 请求，浏览器不能直接模拟。',
		key: '按键 {k}',
	},
	en: {
		title: 'Try the menu on a phone',
		number: 'Phone number',
		number_hint: 'Demo numbers are in data/demo/README.md, e.g. 13908340107 (villager), 19908349001 (cadre).',
		dial: 'Dial {code}',
		send: 'Send',
		hang: 'Hang up',
		input: 'Input',
		idle: 'Press “Dial” to start.',
		ended: '(call ended)',
		waiting: '…',
		refused: 'The gateway refused the request: {msg}',
		refused_401: 'The gateway takes /ussd only from loopback (or signed): the browser cannot try it here.',
		key: 'Key {k}',
	},
};
const L = (k, v) => tr(D, k, v);

// A phone bound to serviceCode; returns its element.
export function phone(serviceCode, screenLang) {
	const number = h('input', {type: 'tel', id: 'ph-number', value: '13908340107',
		autocomplete: 'off', inputmode: 'tel'});
	const screen = h('div', {class: 'phone-screen', id: 'ph-screen', role: 'log',
		'aria-live': 'polite', lang: screenLang || 'zh'}, L('idle'));
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

	let session = null;
	let inputs = [];

	async function step() {
		screen.textContent = L('waiting');
		let answer;
		try {
			answer = await api.post('/ussd', {
				sessionId: session, serviceCode, phoneNumber: number.value.trim(),
				text: inputs.join('*'),
			}, {form: true, noRedirect: true});
		} catch (e) {
			screen.textContent = e.status === 401 ? L('refused_401') :
				e.status === 0 ? t('network') : L('refused', {msg: e.message || e.status});
			end();
			return;
		}
		answer = String(answer || '');
		if (answer.startsWith('CON ')) {
			screen.textContent = answer.slice(4);
			input.disabled = false;
			send.disabled = false;
			input.focus();
		} else {
			screen.textContent = (answer.startsWith('END ') ? answer.slice(4) : answer) +
				'\n' + L('ended');
			end();
		}
	}

	function end() {
		session = null;
		input.disabled = true;
		send.disabled = true;
		hang.disabled = true;
		dial.disabled = false;
		number.disabled = false;
	}

	dial.addEventListener('click', () => {
		session = 'console-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
		inputs = [];
		input.value = '';
		dial.disabled = true;
		hang.disabled = false;
		number.disabled = true;
		step();
	});
	hang.addEventListener('click', () => {
		screen.textContent = L('ended');
		end();
		dial.focus();
	});
	const form = h('form', {class: 'phone-input'}, input, send);
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		if (!session || input.value === '')
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
		field(L('number'), number, L('number_hint')),
		h('div', {class: 'phone'},
			h('div', {class: 'phone-head'}, h('span', null, serviceCode), h('span', null, 'USSD')),
			screen, form, keys));
}
