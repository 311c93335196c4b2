/**
 * docs/operations.md is a runbook people follow during incidents, so what it tells them to type
 * must exist. This test holds it to the repository:
 *
 * - every alert's runbook_url in deploy/prometheus/alerts.yml lands on a heading of the page
 *   (GitHub's anchor rules), and every link inside the page or to another file resolves;
 * - every `pnpm tessera …` command and flag is one the CLI's own --help lists, and every leaf
 *   command of the CLI is used somewhere in the page; the same for the token-api and audit CLIs;
 * - every SQL statement plans (SELECT/UPDATE/DELETE, through EXPLAIN, so nothing is changed) or
 *   runs (VACUUM, REINDEX, ALTER) against real schemas built by the services' own migrations;
 * - every PromQL query parses with Prometheus's grammar and names metrics of deploy/metrics.json;
 * - every shell script with a shebang passes `bash -n`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { migrateToLatest } from '@tessera/platform';
import { createTestSchema, type TestSchema } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrations as auditMigrations } from '../../services/audit/src/migrations/index.js';
import { migrations as sweeperMigrations } from '../../services/sweeper/src/migrations/index.js';
import { migrations as tokenApiMigrations } from '../../services/token-api/src/migrations/index.js';
import { loadMetricsFile, PROMETHEUS_SERIES, selectorNames } from '../deploy/metrics-used.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC_PATH = 'docs/operations.md';
const doc = readFileSync(join(ROOT, DOC_PATH), 'utf8');
const exec = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Markdown: headings (outside code), GitHub anchors, fenced blocks

interface Block {
  info: string;
  content: string;
  line: number;
}

const FENCE = /^(\s*)(```|~~~)(.*)$/;

/** The fenced code blocks, with their info string and content (de-indented like the fence). */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: { indent: number; marker: string; info: string; line: number; lines: string[] } | null = null;
  markdown.split('\n').forEach((text, index) => {
    const fence = FENCE.exec(text);
    if (!open) {
      if (fence) open = { indent: fence[1]!.length, marker: fence[2]!, info: fence[3]!.trim(), line: index + 1, lines: [] };
      return;
    }
    if (fence && fence[2] === open.marker && fence[3]!.trim() === '') {
      blocks.push({ info: open.info, content: open.lines.join('\n'), line: open.line });
      open = null;
      return;
    }
    open.lines.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
  });
  if (open) throw new Error(`unclosed code fence opened at line ${(open as { line: number }).line}`);
  return blocks;
}

/** The page without its fenced blocks (what is prose, headings and inline code). */
function proseOf(markdown: string): string {
  let inside: string | null = null;
  return markdown
    .split('\n')
    .filter((text) => {
      const fence = FENCE.exec(text);
      if (inside === null && fence) {
        inside = fence[2]!;
        return false;
      }
      if (inside !== null) {
        if (fence && fence[2] === inside && fence[3]!.trim() === '') inside = null;
        return false;
      }
      return true;
    })
    .join('\n');
}

/** GitHub's heading anchor: rendered text lower-cased, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
  const rendered = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .replace(/\*\*|__|\*/g, '');
  return rendered
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown file offers, duplicates numbered as GitHub does (-1, -2, ...). */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseOf(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = githubSlug(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('github anchors', () => {
  it('follow GitHub: lower case, punctuation dropped, spaces to hyphens', () => {
    expect(githubSlug('Service down')).toBe('service-down');
    expect(githubSlug('Dead-letter queue')).toBe('dead-letter-queue');
    expect(githubSlug('An admin token for the CLI and for curl')).toBe('an-admin-token-for-the-cli-and-for-curl');
    expect(githubSlug('JetStream streams and the `REVOCATIONS` bucket')).toBe('jetstream-streams-and-the-revocations-bucket');
    expect(githubSlug('1. Startup: verify!')).toBe('1-startup-verify');
    expect([...anchorsOf('# A\n## A\n```\n# not a heading\n```\n### A')]).toEqual(['a', 'a-1', 'a-2']);
  });
});

// ---------------------------------------------------------------------------------------------
// Links and alert runbooks

describe('docs/operations.md links', () => {
  const anchors = anchorsOf(doc);

  it('has a section for every runbook_url of the alert rules', () => {
    const rules = (parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; annotations: { runbook_url: string } }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(15);
    const missing: string[] = [];
    for (const rule of rules) {
      const [path, anchor] = rule.annotations.runbook_url.split('#');
      expect(path, rule.alert).toBe(DOC_PATH);
      if (!anchor || !anchors.has(anchor)) missing.push(`${rule.alert} → #${anchor}`);
    }
    expect(missing, `alerts whose runbook anchor has no heading in ${DOC_PATH}`).toEqual([]);
  });

  it('resolves every in-page link and every link to another file of the repository', () => {
    const links = [...proseOf(doc).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(50);
    const broken: string[] = [];
    for (const link of links) {
      if (/^[a-z]+:/i.test(link)) continue; // http(s): not ours to check
      const [file, anchor] = link.split('#');
      const target = file ? resolve(dirname(join(ROOT, DOC_PATH)), file) : join(ROOT, DOC_PATH);
      if (!existsSync(target)) {
        broken.push(`${link} (no file)`);
        continue;
      }
      if (anchor && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link} (no heading)`);
    }
    expect(broken).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// CLIs: what the page tells operators to type must be what the tools accept

interface HelpPage {
  commands: string[];
  options: string[];
}

/** Commander's help: the names under "Commands:" and the long flags under "Options:". */
function readHelp(text: string): HelpPage {
  const section = (title: string) => {
    const start = text.indexOf(`${title}:\n`);
    if (start < 0) return [];
    const lines = text.slice(start + title.length + 2).split('\n');
    const end = lines.findIndex((l) => l.trim() === '' || /^\S/.test(l));
    return lines.slice(0, end < 0 ? undefined : end);
  };
  return {
    commands: section('Commands')
      .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined && c !== 'help'),
    options: section('Options').flatMap((l) => [...l.matchAll(/(?:^|\s|,)(--[a-z][\w-]*)/g)].map((m) => m[1]!)),
  };
}

const TESSERA_BIN = join(ROOT, 'packages/cli/bin/tessera.mjs');

async function tesseraHelp(path: string[]): Promise<HelpPage> {
  const { stdout } = await exec(process.execPath, [TESSERA_BIN, ...path, '--help'], { cwd: ROOT, timeout: 120_000 });
  return readHelp(stdout);
}

/** Runs `fn` over `items`, at most `limit` at a time (each help is a node process starting tsx). */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The words after `pnpm [-s] tessera` on each line that has them, up to a shell operator. A bare
 * `pnpm tessera` (the CLI named in prose) has no words and is left out.
 */
function tesseraInvocations(text: string): string[][] {
  return [...text.matchAll(/pnpm(?:\s+-s)?\s+tessera\b([^\n`|;&>#)]*)/g)].map((m) => m[1]!.trim().split(/\s+/).filter(Boolean)).filter((words) => words.length > 0);
}

describe('tessera CLI commands in docs/operations.md', () => {
  let top: HelpPage;
  const groups = new Map<string, HelpPage>();
  const leaves = new Map<string, HelpPage>();

  beforeAll(async () => {
    top = await tesseraHelp([]);
    for (const [name, page] of await mapLimited(top.commands, 4, async (c) => [c, await tesseraHelp([c])] as const)) {
      groups.set(name, page);
      if (page.commands.length === 0) leaves.set(name, page); // a command without subcommands is its own leaf
    }
    const subcommands = top.commands.flatMap((c) => groups.get(c)!.commands.map((s) => [c, s]));
    for (const [path, page] of await mapLimited(subcommands, 4, async (p) => [p.join(' '), await tesseraHelp(p)] as const)) leaves.set(path, page);
  }, 300_000);

  it('reads the CLI help (a sanity check of the parser itself)', () => {
    expect(top.commands).toEqual(expect.arrayContaining(['doctor', 'handover', 'tokens', 'users', 'keys', 'audit', 'dlq']));
    expect(top.options).toContain('--json');
    expect([...leaves.keys()]).toEqual(expect.arrayContaining(['doctor', 'handover', 'tokens revoke', 'users logout-all', 'keys rotate', 'audit rebuild', 'dlq list', 'dlq replay']));
    expect(leaves.get('doctor')!.options).toEqual(expect.arrayContaining(['--lag-warning', '--outbox-warning']));
  });

  it('names only commands and flags that the CLI lists', () => {
    const invocations = tesseraInvocations(doc);
    expect(invocations.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const words of invocations) {
      const what = `pnpm tessera ${words.join(' ')}`;
      const positional = words.filter((w) => !w.startsWith('-'));
      const command = positional[0];
      if (!command || !top.commands.includes(command)) {
        problems.push(`${what}: no command ${JSON.stringify(command)}`);
        continue;
      }
      const group = groups.get(command)!;
      let leaf = command;
      if (group.commands.length > 0) {
        const sub = positional[1];
        if (!sub || !group.commands.includes(sub)) {
          problems.push(`${what}: ${command} has no subcommand ${JSON.stringify(sub)}`);
          continue;
        }
        leaf = `${command} ${sub}`;
      }
      const allowed = new Set([...top.options, ...leaves.get(leaf)!.options, '--help']);
      for (const flag of words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]!)) {
        if (!allowed.has(flag)) problems.push(`${what}: ${leaf} has no option ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses every command of the CLI somewhere', () => {
    const used = new Set(
      tesseraInvocations(doc).map((words) => {
        const positional = words.filter((w) => !w.startsWith('-'));
        return groups.get(positional[0]!)?.commands.length ? `${positional[0]} ${positional[1]}` : positional[0];
      }),
    );
    expect([...leaves.keys()].filter((leaf) => !used.has(leaf))).toEqual([]);
  });
});

describe('service CLIs in docs/operations.md', () => {
  it('names only token-api CLI commands and flags of its usage line', async () => {
    // Without a command it prints its usage and exits 1, before reading any configuration.
    const result = await exec(process.execPath, ['--import', 'tsx', 'services/token-api/src/cli.ts'], { cwd: ROOT, timeout: 60_000 }).then(
      () => {
        throw new Error('token-api cli without a command should exit non-zero');
      },
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    const usage = /usage: cli (.*)/.exec(result.stderr)?.[1];
    expect(usage, result.stderr).toBeDefined();
    const known = new Map(usage!.split(' | ').map((alt) => [alt.split(' ')[0]!, new Set(alt.match(/--[a-z-]+/g) ?? [])]));
    expect([...known.keys()]).toEqual(['create-admin', 'rotate-keys', 'set-countries']);

    const invocations = [...doc.matchAll(/pnpm --filter @tessera\/token-api cli\s+([^\n`|;&>#)]*)/g)].map((m) => m[1]!.trim().split(/\s+/));
    expect(invocations.length).toBeGreaterThanOrEqual(3);
    for (const [command, ...rest] of invocations) {
      expect(known.has(command!), `token-api cli ${command}`).toBe(true);
      for (const flag of rest.filter((w) => w.startsWith('--'))) expect(known.get(command!)!.has(flag), `token-api cli ${command} ${flag}`).toBe(true);
    }
  }, 90_000);

  it('names only audit CLI commands and flags of its --help', async () => {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'services/audit/src/cli.ts', '--help'], { cwd: ROOT, timeout: 60_000 });
    const usage = /usage: cli\.ts (\S+) (.*)/.exec(stdout);
    expect(usage, stdout).not.toBeNull();
    const flags = new Set(stdout.match(/--[a-z-]+/g) ?? []);
    const invocations = [...doc.matchAll(/tsx services\/audit\/src\/cli\.ts\s+([^\n`|;&>#)]*)/g)].map((m) => m[1]!.trim().split(/\s+/));
    expect(invocations.length).toBeGreaterThanOrEqual(1);
    for (const [command, ...rest] of invocations) {
      expect(command, 'audit cli command').toBe(usage![1]);
      for (const flag of rest.filter((w) => w.startsWith('--'))) expect(flags.has(flag), `audit cli ${flag}`).toBe(true);
    }
  }, 90_000);
});

// ---------------------------------------------------------------------------------------------
// SQL: every statement against the real schemas

/** Values for the psql variables the page uses; an unknown variable fails the test. */
const PSQL_VARIABLES: Record<string, string> = {
  user_id: '0190f2a0-8e7a-7c3e-9a61-3f0c2b7d1e55',
  token_id: '0190f2a0-8e7a-7c3e-9a61-3f0c2b7d1e56',
  family_id: '0190f2a0-8e7a-7c3e-9a61-3f0c2b7d1e57',
  kid: 'hNP1-test-kid',
  email: ' Alice@Example.com ',
  ip: '203.0.113.7',
  cidr: '203.0.113.0/24',
  since: '2026-01-01T00:00:00Z',
  hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
  pid: '2147483647',
};

const SCHEMAS = ['token_api', 'audit', 'sweeper'] as const;

/** Splits a block into statements at semicolons that end a line (no statement here spans one). */
function statements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

function bind(statement: string, schemaNames: Record<(typeof SCHEMAS)[number], string>): string {
  return statement
    .replace(/:'([a-z_]+)'/g, (_, name: string) => {
      const value = PSQL_VARIABLES[name];
      if (value === undefined) throw new Error(`psql variable :'${name}' has no test value (add it to PSQL_VARIABLES)`);
      return `'${value.replace(/'/g, "''")}'`;
    })
    .replace(/\b(token_api|audit|sweeper)\./g, (_, s: (typeof SCHEMAS)[number]) => `${schemaNames[s]}.`)
    .replace(/'(token_api|audit|sweeper)'/g, (_, s: (typeof SCHEMAS)[number]) => `'${schemaNames[s]}'`);
}

describe('SQL in docs/operations.md', () => {
  const schemas = new Map<(typeof SCHEMAS)[number], TestSchema<unknown>>();
  const names = {} as Record<(typeof SCHEMAS)[number], string>;
  // A connection of the token_api test schema's own pool (the tables are named with their schema).
  let client: { query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>; release(): void };

  beforeAll(async () => {
    const owned: Record<(typeof SCHEMAS)[number], Parameters<typeof migrateToLatest>[2]> = { token_api: tokenApiMigrations, audit: auditMigrations, sweeper: sweeperMigrations };
    for (const schema of SCHEMAS) {
      const test = createTestSchema<unknown>(`ops_${schema}`);
      schemas.set(schema, test);
      names[schema] = test.schema;
      await migrateToLatest(test.db, test.schema, owned[schema]);
    }
    client = await schemas.get('token_api')!.pool.connect();
  });

  afterAll(async () => {
    client?.release();
    for (const schema of schemas.values()) await schema.drop();
  });

  it('plans or runs every statement against schemas built by the migrations', async () => {
    const blocks = codeBlocks(doc).filter((b) => /^sql\b/.test(b.info));
    expect(blocks.length).toBeGreaterThan(25);
    const failures: string[] = [];
    let checked = 0;
    for (const block of blocks) {
      const requires = /requires=([a-z_]+)/.exec(block.info)?.[1];
      for (const raw of statements(block.content)) {
        const statement = bind(raw, names);
        const kind = /^\s*(\w+)/.exec(statement)![1]!.toLowerCase();
        try {
          if (['select', 'with', 'update', 'delete', 'insert'].includes(kind)) {
            // EXPLAIN plans without executing: tables, columns, types and functions are checked,
            // and nothing changes (the transaction is rolled back anyway).
            await client.query('begin');
            try {
              if (requires) {
                const available = await client.query('select 1 from pg_available_extensions where name = $1', [requires]);
                if (available.rowCount === 0) throw new Error(`extension ${requires} is not available on the test server`);
                await client.query(`create extension if not exists ${requires}`);
              }
              await client.query(`explain ${statement}`);
            } finally {
              await client.query('rollback');
            }
          } else if (['vacuum', 'analyze', 'reindex', 'alter'].includes(kind)) {
            // Maintenance statements run for real, on the throwaway schemas (cannot be in a transaction).
            await client.query(statement);
          } else {
            throw new Error(`no check for a ${kind.toUpperCase()} statement: extend this test`);
          }
          checked += 1;
        } catch (error) {
          failures.push(`line ${block.line}: ${(error as Error).message}\n    ${raw.split('\n').join('\n    ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });
});

// ---------------------------------------------------------------------------------------------
// PromQL and shell scripts

describe('PromQL in docs/operations.md', () => {
  const catalogue = new Set(loadMetricsFile().metrics.map((m) => m.name));
  const known = (series: string) => PROMETHEUS_SERIES.has(series) || catalogue.has(series) || catalogue.has(series.replace(/_(bucket|sum|count)$/, ''));

  function queries(): { where: string; expr: string }[] {
    const found: { where: string; expr: string }[] = [];
    for (const block of codeBlocks(doc)) {
      if (block.info === 'promql') found.push({ where: `promql block at line ${block.line}`, expr: block.content.trim() });
      const heredoc = /<<'PROMQL'\n([\s\S]*?)\nPROMQL\n/.exec(`${block.content}\n`);
      if (heredoc) {
        for (const line of heredoc[1]!.split('\n').filter((l) => l.trim())) {
          const [name, ...rest] = line.trim().split(' ');
          found.push({ where: `snapshot query ${name}`, expr: rest.join(' ') });
        }
      }
    }
    return found;
  }

  it('parses every query and finds each metric in deploy/metrics.json', () => {
    const all = queries();
    expect(all.filter((q) => q.where.startsWith('snapshot')).length).toBeGreaterThanOrEqual(20);
    expect(all.filter((q) => q.where.startsWith('promql')).length).toBeGreaterThanOrEqual(10);
    const problems: string[] = [];
    for (const { where, expr } of all) {
      try {
        const unknown = selectorNames(expr).filter((s) => !known(s));
        if (unknown.length > 0) problems.push(`${where}: not in deploy/metrics.json: ${unknown.join(', ')}`);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('checks metric names for real (an unknown one is reported)', () => {
    expect(selectorNames('sum(rate(no_such_metric_total[5m]))').filter((s) => !known(s))).toEqual(['no_such_metric_total']);
  });
});

describe('shell scripts in docs/operations.md', () => {
  it('pass bash -n', async () => {
    const scripts = codeBlocks(doc).filter((b) => b.content.startsWith('#!/usr/bin/env bash'));
    expect(scripts.length).toBeGreaterThanOrEqual(1);
    const dir = mkdtempSync(join(tmpdir(), 'ops-doc-'));
    try {
      for (const [i, script] of scripts.entries()) {
        const file = join(dir, `script-${i}.sh`);
        writeFileSync(file, script.content);
        await exec('bash', ['-n', file]).catch((error: { stderr: string }) => {
          throw new Error(`script at line ${script.line}: ${error.stderr}`);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
