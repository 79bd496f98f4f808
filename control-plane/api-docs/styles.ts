// The docs page's stylesheet, served from our own origin: the CSP allows no inline styles.
export const API_DOCS_CSS = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d2433; }
header nav ul { display: flex; flex-wrap: wrap; gap: 0.75rem; list-style: none; padding: 0; }
h2 { border-bottom: 1px solid #d8dde6; padding-bottom: 0.25rem; margin-top: 2rem; }
.operation { border: 1px solid #d8dde6; border-radius: 6px; padding: 0.5rem 1rem; margin: 1rem 0; }
.operation h3 { margin: 0.25rem 0; font-size: 1rem; }
.method { display: inline-block; min-width: 4.5rem; text-align: center; border-radius: 4px; color: #fff; font-size: 0.8rem; padding: 0.1rem 0.4rem; }
.method-get { background: #2f6f9f; }
.method-post { background: #2f8f5b; }
.method-put, .method-patch { background: #9a6a1f; }
.method-delete { background: #a33a3a; }
.auth { color: #5a6478; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #d8dde6; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
pre { background: #f4f6f9; padding: 0.5rem; overflow-x: auto; font-size: 0.8rem; }
.responses { padding-left: 1.2rem; }
`;
