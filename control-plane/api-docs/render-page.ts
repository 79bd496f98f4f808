// Renders the OpenAPI document as one readable HTML page, on the server: no script at all, so
// the control plane's CSP (script-src 'self', no inline styles) needs no exception, and what the
// page shows is exactly the JSON served at /api-docs/openapi.json. Every value is HTML-escaped.

type Json = Record<string, unknown>;

export const STYLESHEET_PATH = '/api-docs/styles.css';
export const OPENAPI_PATH = '/api-docs/openapi.json';

// Operations read top to bottom in the order a client uses them on one path.
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'] as const;

const SECURITY_LABELS: Readonly<Record<string, string>> = {
  bearerAuth: 'owner access token (Authorization: Bearer)',
  apiKey: 'API key (X-API-Key)',
};

export interface DocOperation {
  method: string;
  path: string;
  operation: Json;
}

/** Every operation in the document, grouped by first tag, in path then method order. */
export function listOperations(doc: Json): DocOperation[] {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const operations: DocOperation[] = [];
  for (const path of Object.keys(paths).sort()) {
    const item = paths[path] ?? {};
    for (const method of METHOD_ORDER) {
      const operation = item[method];
      if (operation) operations.push({ method, path, operation });
    }
  }
  return operations;
}

export function renderApiDocsPage(doc: Json): string {
  const info = (doc.info ?? {}) as { title?: string; version?: string; description?: string };
  const byTag = new Map<string, DocOperation[]>();
  for (const op of listOperations(doc)) {
    const tag = ((op.operation.tags as string[] | undefined) ?? [])[0] ?? 'other';
    byTag.set(tag, [...(byTag.get(tag) ?? []), op]);
  }
  const tags = [...byTag.keys()].sort();
  const title = `${info.title ?? 'API'} ${info.version ?? ''}`.trim();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
${info.description ? `<p>${escapeHtml(info.description)}</p>` : ''}
<p>OpenAPI ${escapeHtml(String(doc.openapi ?? ''))} document: <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a></p>
<nav><ul>${tags.map((tag) => `<li><a href="#tag-${anchor(tag)}">${escapeHtml(tag)}</a></li>`).join('')}</ul></nav>
</header>
<main>
${tags.map((tag) => renderTag(tag, byTag.get(tag) ?? [])).join('\n')}
</main>
</body>
</html>
`;
}

function renderTag(tag: string, operations: DocOperation[]): string {
  return `<section id="tag-${anchor(tag)}">
<h2>${escapeHtml(tag)}</h2>
${operations.map(renderOperation).join('\n')}
</section>`;
}

function renderOperation({ method, path, operation }: DocOperation): string {
  const parameters = (operation.parameters ?? []) as Json[];
  const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)
    ?.content;
  const responses = (operation.responses ?? {}) as Record<
    string,
    { description?: string; content?: Record<string, { schema?: unknown }> }
  >;
  return `<article class="operation" id="op-${anchor(`${method}-${path}`)}" data-method="${method}" data-path="${escapeHtml(path)}">
<h3><span class="method method-${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(String(operation.summary ?? ''))}</p>
<p class="auth">Auth: ${escapeHtml(securityText(operation.security))}</p>
${parameters.length > 0 ? renderParameters(parameters) : ''}
${body ? renderContent('Request body', body) : ''}
<h4>Responses</h4>
<ul class="responses">
${Object.entries(responses)
  .map(
    ([status, response]) =>
      `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(response.description ?? '')}${
        response.content ? renderContent('Schema', response.content) : ''
      }</li>`,
  )
  .join('\n')}
</ul>
</article>`;
}

function renderParameters(parameters: Json[]): string {
  const rows = parameters.map((parameter) => {
    const schema = (parameter.schema ?? {}) as Json;
    return `<tr><td><code>${escapeHtml(String(parameter.name))}</code></td><td>${escapeHtml(String(parameter.in))}</td><td>${
      parameter.required ? 'yes' : 'no'
    }</td><td>${escapeHtml(typeText(schema))}</td><td>${escapeHtml(String(parameter.description ?? schema.description ?? ''))}</td></tr>`;
  });
  return `<h4>Parameters</h4>
<table><thead><tr><th>name</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>`;
}

function renderContent(label: string, content: Record<string, { schema?: unknown }>): string {
  return Object.entries(content)
    .map(([type, media]) => {
      const schema = (media.schema ?? {}) as Json;
      const description =
        typeof schema.description === 'string' ? `<p>${escapeHtml(schema.description)}</p>` : '';
      return `<details><summary>${escapeHtml(label)} (${escapeHtml(type)})</summary>${description}<pre>${escapeHtml(
        JSON.stringify(schema, null, 2),
      )}</pre></details>`;
    })
    .join('');
}

function securityText(security: unknown): string {
  const requirements = (security ?? []) as Record<string, unknown>[];
  if (requirements.length === 0) return 'none';
  return requirements
    .map((requirement) =>
      Object.keys(requirement)
        .map((name) => SECURITY_LABELS[name] ?? name)
        .join(' + '),
    )
    .join(' or ');
}

function typeText(schema: Json): string {
  if (Array.isArray(schema.enum)) return schema.enum.map(String).join(' | ');
  const type = String(schema.type ?? 'any');
  return typeof schema.format === 'string' ? `${type} (${schema.format})` : type;
}

function anchor(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}
