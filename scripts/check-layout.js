#!/usr/bin/env node
// The layout rules, checked on every `npm test` (README "Layout"). Imports only go down:
//   - server never imports ops, testkit or status; status imports nothing of ours; testkit only the
//     server; ops the server and testkit (it starts the status service as a process, never imports it);
//   - no package's src imports test code, and no relative import leaves its package;
//   - inside the server: the data layer (db/) knows nothing above it, the domain knows no HTTP
//     (api/, web/, overload/, fastify), the API does not reach into the web UI, and SQL is written
//     only in db/ and domain/ (routes, serializers, pages and the overload code hold none);
//   - serializers are pure functions of loaded data: no database, no domain services.
// Imports are read with the TypeScript compiler's own pre-processor, string literals from its AST.
// Before checking the tree it checks itself on known-bad examples, so a rule that silently stopped
// matching fails the run instead of passing everything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Which of our packages each package's src may import. */
const MAY_IMPORT = {
  server: [],
  status: [],
  testkit: ['server'],
  ops: ['server', 'testkit'],
};
/** A package's tests may import their own package, the server and the testkit. */
const TESTS_MAY_IMPORT = (pkg) => [...new Set([pkg, 'server', 'testkit', ...MAY_IMPORT[pkg]])];

/** Server layers: what each may not import (by folder under packages/server/src). */
const SERVER_FORBIDDEN = {
  db: ['domain', 'api', 'web', 'overload'],
  domain: ['api', 'web', 'overload'],
  api: ['web'],
};
/** Where SQL may be written inside the server. */
const SQL_HOMES = ['db', 'domain'];
/** SQL as this code base writes it (lower case) or shouted; prose such as "Select a file from…" is neither. */
const SQL = /\b(select\s[\s\S]*\bfrom\s|insert\s+into\s|update\s+\w+\s+(\w+\s+)?set\s|delete\s+from\s|create\s+(table|index)\s|pg_\w+\()|\b(SELECT\s[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\s/;
const NO_HTTP_IN = ['db', 'domain'];
/** Domain modules without I/O that serializers may call: text rendering, the roles' permission table. */
const PURE_DOMAIN_MODULES = ['src/domain/text.js', 'src/domain/roles.js'];

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** packages/<pkg>/<part>/<rest>: part is src, test or something else. */
function locate(file) {
  const [top, pkg, part, ...rest] = relative(root, file).split(sep);
  if (top !== 'packages') return undefined;
  return { pkg, part, rest: rest.join('/') };
}

function stringLiterals(text, file) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  const visit = (node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push({ text: node.text, pos: node.getStart(source) });
    else if (ts.isTemplateExpression(node)) out.push({ text: [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? '), pos: node.getStart(source) });
    // Imports are checked separately; their specifiers are not SQL.
    if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) ts.forEachChild(node, visit);
  };
  visit(source);
  return out.map((s) => ({ ...s, line: source.getLineAndCharacterOfPosition(s.pos).line + 1 }));
}

/** Every violation in one file, as "path:line: why". */
export function checkFile(file, text) {
  const where = locate(file);
  if (!where) return [];
  const problems = [];
  const say = (line, why) => problems.push(`${relative(root, file)}:${line}: ${why}`);
  const lineOf = (pos) => text.slice(0, pos).split('\n').length;
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const allowed = where.part === 'src' ? [where.pkg, ...MAY_IMPORT[where.pkg]] : TESTS_MAY_IMPORT(where.pkg);
  const serverLayer = where.pkg === 'server' && where.part === 'src' ? where.rest.split('/')[0] : undefined;
  for (const { fileName: spec, pos } of importedFiles) {
    const line = lineOf(pos);
    const ours = /^@firebreak\/([\w-]+)(?:\/(.*))?$/.exec(spec);
    if (ours) {
      const [, target] = ours;
      if (!MAY_IMPORT[target]) say(line, `imports unknown package @firebreak/${target}`);
      else if (!allowed.includes(target)) say(line, `${where.pkg}/${where.part} may not import @firebreak/${target}`);
      continue;
    }
    if (!spec.startsWith('.')) {
      if (spec === 'fastify' || spec.startsWith('@fastify/')) {
        if (serverLayer && NO_HTTP_IN.includes(serverLayer)) say(line, `${serverLayer}/ knows no HTTP, but imports ${spec}`);
      }
      continue;
    }
    const target = locate(normalize(join(dirname(file), spec)));
    if (!target || target.pkg !== where.pkg) { say(line, `relative import leaves the package: ${spec}`); continue; }
    if (where.part === 'src' && target.part !== 'src') say(line, `src imports ${target.part}/ code: ${spec}`);
    if (serverLayer) {
      const targetLayer = target.rest.split('/')[0];
      if (SERVER_FORBIDDEN[serverLayer]?.includes(targetLayer)) say(line, `server ${serverLayer}/ may not import ${targetLayer}/ (${spec})`);
      if (/(^|\/)serializers?(\/|\.ts$)/.test(where.rest) && (targetLayer === 'db' || (targetLayer === 'domain' && !PURE_DOMAIN_MODULES.includes(`${target.part}/${target.rest}`)))) {
        if (!/^import\s+type\b/m.test(text.split('\n')[line - 1] ?? '')) say(line, `serializers are pure functions of loaded data; they may only import types from ${targetLayer}/ (${spec})`);
      }
    }
  }
  // Top-level files (app, context, serve…) wire things together; they hold no SQL either.
  if (serverLayer && !SQL_HOMES.includes(serverLayer)) {
    for (const s of stringLiterals(text, file)) if (SQL.test(s.text)) say(s.line, `SQL outside db/ and domain/: "${s.text.slice(0, 60).replace(/\s+/g, ' ')}…"`);
  }
  return problems;
}

/** The rules must catch what they are for: one example per rule, each of which must be refused. */
function selfTest() {
  const p = (path) => join(root, 'packages', path);
  const bad = [
    [p('server/src/api/x.ts'), "import { a } from '@firebreak/ops/cluster/cli.js';"],
    [p('server/src/api/x.ts'), "import { a } from '@firebreak/testkit/app.js';"],
    [p('status/src/x.ts'), "import { a } from '@firebreak/server/config.js';"],
    [p('ops/src/x.ts'), "import { a } from '@firebreak/status/app.js';"],
    [p('ops/src/x.ts'), "import { a } from '../test/helpers.js';"],
    [p('ops/src/x.ts'), "import { a } from '../../server/src/config.js';"],
    [p('server/src/domain/x.ts'), "import { a } from '../api/auth.js';"],
    [p('server/src/domain/x.ts'), "import type { FastifyRequest } from 'fastify';"],
    [p('server/src/db/x.ts'), "import { a } from '../domain/statuses.js';"],
    [p('server/src/api/x.ts'), "import web from '../web/routes.js';"],
    [p('server/src/api/v1/x.ts'), 'const q = `select id from statuses where id = ${1}`;'],
    [p('server/src/web/x.ts'), "db.query('update tokens set revoked_at = now() where id = $1');"],
    [p('server/src/serve.ts'), "tx.query('select pg_try_advisory_xact_lock(1) as got');"],
    [p('server/src/api/serializers.ts'), "import { getAccounts } from '../domain/accounts.js';"],
  ];
  const missed = bad.filter(([file, text]) => checkFile(file, text).length === 0);
  const good = [
    [p('server/src/api/x.ts'), "import type { StatusRow } from '../domain/statuses.js';\nconst m = 'Select a visibility from the list';"],
    [p('ops/src/x.ts'), "import { a } from '@firebreak/testkit/app.js';"],
  ];
  const wrong = good.filter(([file, text]) => checkFile(file, text).length > 0);
  if (missed.length || wrong.length) {
    for (const [file, text] of missed) console.error(`check-layout self-test: not refused: ${relative(root, file)}: ${text}`);
    for (const [file, text] of wrong) console.error(`check-layout self-test: wrongly refused: ${relative(root, file)}: ${text}: ${checkFile(file, text).join('; ')}`);
    process.exit(1);
  }
}

selfTest();
const problems = walk(join(root, 'packages')).flatMap((file) => checkFile(file, readFileSync(file, 'utf8')));
if (problems.length) {
  console.error(`Layout rules broken (${problems.length}); see scripts/check-layout.js and the README's Layout section:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('layout rules hold');
