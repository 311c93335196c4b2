import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@tessera/platform/testing';
import { DockerfileParser, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { readText } from './tools.js';

/*
 * There is no Docker engine on these machines (and no hadolint): the Dockerfile is checked by
 * parsing it, its build logic (deploy/docker/assemble.sh) is run for real by image-tree.int.test.ts,
 * and its HEALTHCHECK command is run here.
 */
const dockerfile = DockerfileParser.parse(readText('Dockerfile'));
const instructions = dockerfile.getInstructions();

/** The instructions of each stage, by stage name. */
function stages(): Map<string, Instruction[]> {
  const byStage = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const instruction of instructions) {
    if (instruction.getKeyword() === 'FROM') {
      const name = dockerfile.getFROMs().find((f) => f.getRange().start.line === instruction.getRange().start.line)!.getBuildStage()!;
      current = [];
      byStage.set(name, current);
    }
    current?.push(instruction);
  }
  return byStage;
}

const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const of = (list: Instruction[], keyword: string) => list.filter((i) => i.getKeyword() === keyword);
const flags = (i: Instruction) => {
  if (!(i instanceof ModifiableInstruction)) throw new TypeError(`${i.getKeyword()} takes no flags`);
  return i.getFlags().map((f) => ({ name: f.getName(), value: f.getValue() }));
};

describe('Dockerfile', () => {
  const byStage = stages();
  const runtime = byStage.get('runtime')!;

  it('builds in three named stages from node:24-slim', () => {
    expect([...byStage.keys()]).toEqual(['workspace', 'build', 'runtime']);
    const nodeImage = dockerfile.getARGs().find((a) => a.getProperty()?.getName() === 'NODE_IMAGE')!.getProperty()!.getValue();
    expect(nodeImage).toBe('node:24-slim');
    expect(dockerfile.getFROMs().map((f) => f.getImage())).toEqual(['${NODE_IMAGE}', 'workspace', '${NODE_IMAGE}']);
  });

  it('installs pnpm 12 with npm and the workspace with the frozen lockfile', () => {
    const workspace = byStage.get('workspace')!.map(args);
    expect(workspace).toContain('npm install --global pnpm@12 && pnpm --version');
    expect(workspace).toContain('pnpm fetch --frozen-lockfile');
    // The lockfile, the workspace settings (allowBuilds, overrides) and .npmrc decide the fetch.
    expect(workspace).toContain('pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./');
    expect(workspace).toContain('pnpm install --frozen-lockfile --offline');
  });

  it('assembles one service, chosen by the SERVICE build argument, with deploy/docker/assemble.sh', () => {
    const build = byStage.get('build')!;
    expect(of(build, 'ARG').map(args)).toEqual(['SERVICE']);
    expect(build.map(args)).toContain('bash deploy/docker/assemble.sh "${SERVICE}" /out');
    const assemble = readText('deploy/docker/assemble.sh');
    expect(assemble).toContain('pnpm deploy --filter "@tessera/${base}" --prod "$OUT"');
  });

  it('ships only the assembled tree in the runtime stage: nothing installed or built there', () => {
    const copies = of(runtime, 'COPY');
    expect(copies).toHaveLength(1);
    expect(flags(copies[0]!).map((f) => `${f.name}=${f.value}`)).toContain('from=build');
    expect(args(copies[0]!)).toBe('/out/ /app/');
    for (const step of of(runtime, 'RUN').map(args)) {
      expect(step).not.toMatch(/\b(npm|pnpm|yarn|npx)\b/);
      expect(step).not.toMatch(/apt-get install/);
    }
  });

  it('runs as a fixed non-root uid, with the service through tsx', () => {
    const users = of(runtime, 'USER').map(args);
    expect(users).toEqual(['10001:10001']);
    const afterUser = runtime.slice(runtime.findIndex((i) => i.getKeyword() === 'USER'));
    expect(of(afterUser, 'RUN'), 'nothing runs as root after USER').toHaveLength(0);
    expect(JSON.parse(args(of(runtime, 'CMD')[0]!))).toEqual(['node', '--import', 'tsx', 'src/main.ts']);
    expect(args(of(runtime, 'ENV')[0]!)).toMatch(/NODE_ENV=production/);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = of(runtime, 'HEALTHCHECK')[0]!;
    const command = JSON.parse(args(healthcheck).replace(/^.*?CMD\s+/s, '')) as string[];

    it('fetches /health/live on $PORT with node (no curl in the slim image)', () => {
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      expect(command[2]).toContain("'/health/live'");
      expect(command[2]).toContain('process.env.PORT');
      expect(flags(healthcheck).map((f) => f.name).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    });

    it('exits 0 while /health/live answers 200 and 1 when it does not or nothing listens', async () => {
      let status = 200;
      const server = createServer((req, res) => res.writeHead(req.url === '/health/live' ? status : 404).end('{}'));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      // Asynchronously: the server answering it lives in this process.
      const check = (p: number) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(command[0]!, command.slice(1), { env: { PATH: process.env.PATH, PORT: String(p) }, stdio: 'ignore' });
          child.once('exit', (code) => resolve(code));
        });
      try {
        expect(await check(port)).toBe(0);
        status = 503;
        expect(await check(port)).toBe(1);
      } finally {
        await new Promise((r) => server.close(r));
      }
      expect(await check(await freePort())).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  const lines = readText('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('starts from nothing and lets in only what the build reads', () => {
    expect(lines[0]).toBe('*');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    for (const needed of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc', 'packages/', 'services/', 'deploy/docker/', 'deploy/migrate/', 'deploy/gateway/routes.json']) {
      expect(allowed).toContain(needed);
    }
    // Every workspace package is in the context (pnpm install --frozen-lockfile needs them all).
    const workspace = readText('pnpm-workspace.yaml');
    for (const glob of workspace.match(/^\s+-\s+(\S+)\/\*$/gm) ?? []) expect(allowed).toContain(`${glob.replace(/^\s+-\s+/, '').replace('/*', '')}/`);
  });

  it('keeps dependencies, build output and secrets out even inside allowed folders', () => {
    for (const excluded of ['**/node_modules', '**/.env', '**/.env.*', '**/dist', '**/.turbo']) expect(lines).toContain(excluded);
    expect(lines).not.toContain('!.git');
  });
});
