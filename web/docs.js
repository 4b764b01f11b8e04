// The API reference at /docs: the OpenAPI 3.1 document of /docs/json as a readable page, with no
// library (a full Swagger UI would be a megabyte of script on an edge box, and its inline styles
// would need the page's Content-Security-Policy loosened). Each route: method, path, what it does,
// the token it needs, its parameters, its request body and its responses with their schemas.
import { el } from './format.js';

const $ = (s) => document.querySelector(s);

function schemaText(schema) {
  return JSON.stringify(schema, null, 2);
}

function typeOf(schema) {
  if (!schema) return '';
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' | ');
  return schema.type ?? '';
}

function security(op) {
  const s = op.security ?? [];
  if (s.length === 0) return el('span', { class: 'lock muted' }, 'open');
  if (s.some((x) => Object.keys(x).length === 0)) return el('span', { class: 'lock muted' }, 'token only when reads are protected');
  return el('span', { class: 'lock warn-text' }, 'needs a bearer token');
}

function operation(path, method, op) {
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-');
  const params = op.parameters ?? [];
  const body = op.requestBody?.content?.['application/json']?.schema;
  const canTry = method === 'get' && !path.includes('{') && path !== '/api/v1/events';
  return el(
    'section',
    { class: 'card op', id },
    el('h3', {}, el('span', { class: `method method-${method}` }, method.toUpperCase()), el('span', {}, path), security(op)),
    el('p', {}, op.summary ?? ''),
    op.description ? el('p', { class: 'sub' }, op.description) : null,
    params.length
      ? el(
          'table',
          {},
          el('thead', {}, el('tr', {}, ...['parameter', 'in', 'type', 'required', 'description'].map((h) => el('th', { scope: 'col' }, h)))),
          el(
            'tbody',
            {},
            ...params.map((p) =>
              el('tr', {}, el('td', { class: 'device-id' }, p.name), el('td', {}, p.in), el('td', {}, typeOf(p.schema)), el('td', {}, p.required ? 'yes' : ''), el('td', { class: 'sub' }, p.description ?? p.schema?.description ?? '')),
            ),
          ),
        )
      : null,
    body ? el('details', {}, el('summary', {}, 'request body (application/json)'), el('pre', {}, schemaText(body))) : null,
    ...Object.entries(op.responses ?? {}).map(([code, r]) => {
      const [type, content] = Object.entries(r.content ?? {})[0] ?? [];
      return el('details', {}, el('summary', {}, `${code}: ${r.description ?? ''}${type ? ` (${type})` : ''}`), content?.schema ? el('pre', {}, schemaText(content.schema)) : null);
    }),
    canTry ? el('p', { class: 'sub' }, el('a', { href: path }, `GET ${path}`)) : null,
  );
}

async function main() {
  const res = await fetch('/docs/json', { cache: 'no-store' });
  if (!res.ok) {
    $('#intro').replaceChildren(el('p', { class: 'bad-text' }, `The OpenAPI document could not be read (HTTP ${res.status}).`));
    return;
  }
  const doc = await res.json();
  document.title = `${doc.info.title} ${doc.info.version}`;
  $('#intro').replaceChildren(el('h2', {}, `${doc.info.title} ${doc.info.version}`), el('p', {}, doc.info.description ?? ''), el('p', { class: 'sub' }, `OpenAPI ${doc.openapi}`));
  const byTag = new Map((doc.tags ?? []).map((t) => [t.name, { tag: t, ops: [] }]));
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
      byTag.get(tag).ops.push({ path, method, op });
    }
  }
  const toc = [];
  const sections = [];
  for (const { tag, ops } of byTag.values()) {
    if (ops.length === 0) continue;
    toc.push(
      el('h2', {}, tag.name),
      el('ul', {}, ...ops.map(({ path, method, op }) => el('li', {}, el('a', { href: `#${`${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')}` }, `${method.toUpperCase()} ${path}`), ' ', el('span', { class: 'sub' }, op.summary ?? '')))),
    );
    sections.push(el('h2', { class: 'tag' }, `${tag.name}${tag.description ? ` — ${tag.description}` : ''}`), ...ops.map(({ path, method, op }) => operation(path, method, op)));
  }
  $('#toc').replaceChildren(...toc);
  $('#operations').replaceChildren(...sections);
}

void main();
