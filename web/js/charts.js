// charts.js: Debian's Chart.js (libjs-chart.js), served by the gateway
// under /console/vendor/chart.js/ (make puts it in web/vendor/), loaded
// only by the pages that draw charts.  Animations are off: a chart is
// drawn when new Chart() returns, which the overview's timing relies on.

let loading = null;

export function loadChart() {
	if (window.Chart)
		return Promise.resolve(window.Chart);
	if (!loading) {
		loading = new Promise((resolve, reject) => {
			const s = document.createElement('script');
			s.src = new URL('../vendor/chart.js/chart.min.js', import.meta.url).href;
			s.onload = () => window.Chart ? resolve(window.Chart) :
				reject(new Error('Chart.js did not load'));
			s.onerror = () => {
				loading = null;
				reject(new Error('Chart.js is missing (libjs-chart.js)'));
			};
			document.head.appendChild(s);
		});
	}
	return loading;
}

export const COLORS = {
	mo: '#5b8def', mt: '#a8201a', delivered: '#2e9d57', sent: '#5b8def',
	failed: '#d9534f', queued: '#9cb7ef', pending: '#c2c2c8', expired: '#e29a2d',
	rate: '#1c7a3a',
};
export const PALETTE = ['#a8201a', '#5b8def', '#2e9d57', '#e29a2d', '#7b4fb5',
	'#2aa1a8', '#d9534f', '#6b6b73', '#b59b2e', '#3f5aa8'];

export function baseOptions(extra) {
	return Object.assign({
		responsive: true,
		maintainAspectRatio: false,
		animation: false,
		plugins: {legend: {position: 'bottom', labels: {boxWidth: 12}}},
	}, extra || {});
}
