// login.js: the sign-in page.  The form posts to /console/login (fields
// username and password, SPEC 10); a wrong user name or password (one
// answer for both) comes back here with ?error=1, shown then.  The
// language is the console's (localStorage), switched here too.  No
// inline script: the CSP forbids it.

import {tr, lang, setLang} from './i18n.js';

const D = {
	zh: {
		title: '扶贫短信平台',
		page: '登录 · 扶贫短信平台',
		sub: '项目办控制台：群发通知、群众反馈、干部任务。',
		error: '用户名或密码错误。',
		user: '用户名',
		pass: '密码',
		submit: '登录',
		hint: '连续 5 次登录失败后需等待 15 分钟。忘记密码请找系统管理员。',
		other: 'English',
		other_label: 'Switch to English',
	},
	en: {
		title: 'Fupin SMS Gateway',
		page: 'Sign in · Fupin SMS Gateway',
		sub: 'The program office console: broadcasts, feedback, cadres’ tasks.',
		error: 'Wrong user name or password.',
		user: 'User name',
		pass: 'Password',
		submit: 'Sign in',
		hint: 'After 5 failed attempts, wait 15 minutes. Ask your administrator if you forgot your password.',
		other: '中文',
		other_label: '切换到中文',
	},
};

function draw() {
	const L = (k) => tr(D, k);
	document.title = L('page');
	const set = (id, k) => {
		document.getElementById(id).textContent = L(k);
	};
	set('login-title', 'title');
	set('login-sub', 'sub');
	set('login-error', 'error');
	set('login-user-label', 'user');
	set('login-pass-label', 'pass');
	set('login-submit', 'submit');
	set('login-hint', 'hint');
	const sw = document.getElementById('login-lang');
	sw.textContent = L('other');
	sw.setAttribute('aria-label', L('other_label'));
	sw.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
}

setLang(lang());
draw();
document.getElementById('login-lang').addEventListener('click', () => {
	setLang(lang() === 'zh' ? 'en' : 'zh');
	draw();
});
if (new URLSearchParams(location.search).get('error') === '1')
	document.getElementById('login-error').hidden = false;
