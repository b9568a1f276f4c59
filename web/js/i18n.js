// i18n.js: the console's two languages, Chinese first (SPEC 10), English on
// request.  Each page module keeps its own small dictionary
// ({zh: {...}, en: {...}}) and asks tr(dict, key, vars); the strings every
// page shares are here.  The choice is remembered in localStorage.

const KEY = 'fupin.console.lang';
export const LANGS = ['zh', 'en'];

let current = (() => {
	try {
		const saved = localStorage.getItem(KEY);
		if (LANGS.includes(saved))
			return saved;
	} catch (e) { /* storage disabled: Chinese */ }
	return 'zh';
})();

export function lang() {
	return current;
}

export function setLang(l) {
	if (!LANGS.includes(l))
		return;
	current = l;
	try {
		localStorage.setItem(KEY, l);
	} catch (e) { /* not remembered, still switched */ }
	document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

// {name} placeholders filled from vars; a missing key shows itself, so a
// forgotten translation is visible rather than blank.
export function tr(dict, key, vars) {
	const table = dict[current] || dict.zh;
	let s = table[key];
	if (s === undefined)
		s = dict.zh[key];
	if (s === undefined)
		s = key;
	if (vars)
		s = s.replace(/\{(\w+)\}/g, (m, k) =>
			vars[k] === undefined || vars[k] === null ? m : String(vars[k]));
	return s;
}

// Numbers and times in the chosen language's conventions.
export function fmtNum(n) {
	if (n === null || n === undefined || n === '')
		return '–';
	return Number(n).toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB');
}

export function fmtPct(x) {
	if (x === null || x === undefined || Number.isNaN(Number(x)))
		return '–';
	return (Number(x) * 100).toFixed(1) + '%';
}

export function fmtTime(iso) {
	if (!iso)
		return '–';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime()))
		return String(iso);
	return d.toLocaleString(current === 'zh' ? 'zh-CN' : 'en-GB', {
		year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit',
	});
}

// The strings of the shell and of more than one page.
export const COMMON = {
	zh: {
		app: '扶贫短信平台',
		app_sub: '项目办控制台',
		nav: '主菜单',
		menu: '菜单',
		overview: '概况',
		new_broadcast: '新建群发',
		broadcasts: '群发记录',
		feedback: '群众反馈',
		tasks: '干部任务',
		lookup: '查询',
		texts: '菜单与文本',
		users: '用户',
		logout: '退出',
		switch_lang: 'English',
		switch_lang_label: 'Switch to English',
		signed_in: '{user}（{role}，{area}）',
		whole_area: '全部地区',
		role_admin: '管理员',
		role_office: '项目办',
		role_viewer: '只读',
		loading: '正在加载…',
		error: '出错了：{msg}',
		forbidden: '无权限（不在您的地区或角色范围内）：{msg}',
		not_found: '没有找到。',
		network: '无法连接服务器，请稍后再试。',
		retry: '重试',
		more: '加载更多',
		none: '没有记录。',
		any: '不限',
		all: '全部',
		yes: '是',
		no: '否',
		area: '地区',
		status: '状态',
		language: '语言',
		read_only: '您的账号只能查看，不能发送或修改。',
		lang_zh: '中文',
		lang_ii: '彝文',
		lang_bo: '藏文',
		lang_en: '英文',
		st_scheduled: '已排期',
		st_sending: '发送中',
		st_finished: '已完成',
		st_cancelled: '已取消',
		st_open: '待处理',
		st_closed: '已关闭',
		st_acked: '已确认',
		st_overdue: '已逾期',
		st_pending: '待发',
		st_skipped: '跳过',
		st_queued: '排队',
		st_sent: '已发出',
		st_delivered: '已送达',
		st_failed: '失败',
		st_expired: '过期',
		st_received: '已收到',
		st_processed: '已处理',
		hh_poor: '贫困户',
		hh_exited: '已脱贫',
		hh_monitored: '监测户',
		prog_YL: '雨露计划',
		prog_CY: '返乡创业',
		prog_XD: '扶贫小额信贷',
		skip: '跳到正文',
	},
	en: {
		app: 'Fupin SMS Gateway',
		app_sub: 'Program office console',
		nav: 'Main menu',
		menu: 'Menu',
		overview: 'Overview',
		new_broadcast: 'New broadcast',
		broadcasts: 'Broadcasts',
		feedback: 'Feedback',
		tasks: 'Tasks',
		lookup: 'Lookup',
		texts: 'Menus and texts',
		users: 'Users',
		logout: 'Sign out',
		switch_lang: '中文',
		switch_lang_label: '切换到中文',
		signed_in: '{user} ({role}, {area})',
		whole_area: 'all areas',
		role_admin: 'admin',
		role_office: 'office',
		role_viewer: 'viewer',
		loading: 'Loading…',
		error: 'Something went wrong: {msg}',
		forbidden: 'Not allowed (outside your area or role): {msg}',
		not_found: 'Not found.',
		network: 'The server cannot be reached; try again later.',
		retry: 'Retry',
		more: 'Load more',
		none: 'Nothing here.',
		any: 'any',
		all: 'all',
		yes: 'yes',
		no: 'no',
		area: 'Area',
		status: 'Status',
		language: 'Language',
		read_only: 'Your account can only read: it cannot send or change anything.',
		lang_zh: 'Chinese',
		lang_ii: 'Nuosu Yi',
		lang_bo: 'Tibetan',
		lang_en: 'English',
		st_scheduled: 'scheduled',
		st_sending: 'sending',
		st_finished: 'finished',
		st_cancelled: 'cancelled',
		st_open: 'open',
		st_closed: 'closed',
		st_acked: 'acknowledged',
		st_overdue: 'overdue',
		st_pending: 'pending',
		st_skipped: 'skipped',
		st_queued: 'queued',
		st_sent: 'sent',
		st_delivered: 'delivered',
		st_failed: 'failed',
		st_expired: 'expired',
		st_received: 'received',
		st_processed: 'processed',
		hh_poor: 'poor',
		hh_exited: 'exited poverty',
		hh_monitored: 'monitored',
		prog_YL: 'Yulu (vocational training)',
		prog_CY: 'Return-home business',
		prog_XD: 'Microcredit',
		skip: 'Skip to content',
	},
};

export function t(key, vars) {
	return tr(COMMON, key, vars);
}

// A status word in the chosen language (st_<status>), else as it came.
export function tStatus(s) {
	if (!s)
		return '–';
	const k = 'st_' + s;
	const table = COMMON[current] || COMMON.zh;
	return table[k] !== undefined ? table[k] : s;
}
