import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import request from 'supertest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Environment, validateEnvironment as validateWith } from '../src/config/environment';
import { CONNECTORS } from '../src/crm/connector-registry';
import { startTestApp, TestApp } from './support/test-app';
import { serviceVariables } from './support/variables';

/**
 * No container engine runs here, so the container and Kubernetes files are checked against the app
 * itself: every manifest and the compose file parse; probe paths answer on the real app; ports,
 * environment variable names and values, the grace period and the image's entrypoint match what
 * the service reads and builds.
 */

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'deploy', 'k8s');
const VARIABLES = Object.keys(serviceVariables());
const DEFAULTS = new Environment();
/** Variables holding credentials (or the user half of one): they belong in the Secret. */
const CREDENTIAL = /SECRETS?$|PASSWORD$|TOKEN$|API_KEYS$|CLIENT_ID$|BASIC_USER$/;
/** The service exits within SHUTDOWN_GRACE_MS plus this after SIGTERM. */
const EXIT_MARGIN_MS = 5000;

const validateEnvironment = (raw: Record<string, unknown>) => validateWith(raw, CONNECTORS);

type Doc = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? yamlFiles(join(dir, entry.name)) : /\.ya?ml$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

/** Every document of a YAML file; a syntax error fails with the file's name. */
function documents(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative(ROOT, file)}: ${doc.errors[0].message}`);
    return doc.toJS() as Doc;
  });
}

/** The documents a kustomization directory applies, following `resources` into bases. */
function kustomize(dir: string): Doc[] {
  const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return kustomization.resources.flatMap((resource) => {
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${relative(ROOT, dir)}/kustomization.yaml: ${resource} does not exist`);
    return existsSync(join(path, 'kustomization.yaml')) ? kustomize(path) : documents(path);
  });
}

const VARIANTS = readdirSync(K8S).filter(
  (name) => name !== 'base' && existsSync(join(K8S, name, 'kustomization.yaml')),
);

/** Dockerfile instructions by stage (continuations joined, comments dropped, ARGs of FROM resolved). */
interface Stage {
  name: string;
  base: string;
  instructions: { op: string; args: string }[];
}

function dockerfileStages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=');
      args[name] = value;
    } else if (op === 'FROM') {
      const [image, , name] = rest.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg]).split(/\s+/);
      stages.push({ name: name ?? String(stages.length), base: image, instructions: [] });
    } else {
      stages[stages.length - 1].instructions.push({ op, args: rest.replace(/\s+/g, ' ') });
    }
  }
  return stages;
}

const argsOf = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

/** ENV lines in both `K=V K2=V2` and `K V` forms. */
function dockerEnv(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    argsOf(stage, 'ENV').flatMap((args) =>
      args.includes('=') ? [...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]) : [args.split(' ', 2)],
    ),
  );
}

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages[stages.length - 1];
  const env = dockerEnv(runtime);

  it('is multi-stage: the runtime installs nothing and runs as the unprivileged user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(argsOf(runtime, 'RUN').join(' ')).not.toMatch(/npm|apt-get|yarn/);
    const user = argsOf(runtime, 'USER').pop();
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('installs production dependencies with `npm ci --omit=dev` in a build stage, building better-sqlite3 there', () => {
    const deps = stages.find((s) => argsOf(s, 'RUN').some((r) => r.includes('npm ci --omit=dev')));
    expect(deps).toBeDefined();
    expect(deps).not.toBe(runtime);
    expect(argsOf(deps!, 'RUN').join(' ')).toMatch(/g\+\+/);
    expect(dockerEnv(deps!).npm_config_build_from_source).toBe('true');
    expect(argsOf(runtime, 'COPY')).toContain(`--from=${deps!.name} /app/node_modules ./node_modules`);
  });

  it("starts the built entrypoint (`npm run build`'s dist/main.js, `npm run start:prod`)", () => {
    const cmd = JSON.parse(argsOf(runtime, 'CMD').pop()!) as string[];
    const workdir = argsOf(runtime, 'WORKDIR').pop()!;
    expect(cmd).toEqual(['node', 'dist/main.js']);
    expect(existsSync(join(ROOT, cmd[1]))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod']).toMatch(
      /^node dist\/main(\.js)?$/,
    );
    expect(argsOf(runtime, 'COPY')).toContain(`--from=build ${workdir}/dist ./dist`);
  });

  it('probes /health/live, exposes PORT and keeps DATA_DIR on a volume', () => {
    expect(argsOf(runtime, 'HEALTHCHECK').join(' ')).toContain("path: '/health/live'");
    expect(argsOf(runtime, 'EXPOSE')).toEqual([env.PORT]);
    expect(JSON.parse(argsOf(runtime, 'VOLUME').pop()!)).toEqual([env.DATA_DIR]);
    expect(Object.keys(env).filter((name) => !VARIABLES.includes(name))).toEqual([]);
    expect(() => validateEnvironment({ ...env, NODE_ENV: 'development' })).not.toThrow();
  });

  it('uses the Node major of .nvmrc, which is the one running here and allowed by package.json engines', () => {
    const nvmrc = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(runtime.base).toMatch(new RegExp(`^node:${nvmrc}(\\.|-|$)`));
    expect(process.versions.node.split('.')[0]).toBe(nvmrc.split('.')[0]);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node).toMatch(
      new RegExp(`^>=${nvmrc.split('.')[0]}\\.`),
    );
  });

  it('.dockerignore keeps secrets, local data and host builds out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const path of ['.env', 'node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(path);
  });
});

describe('Kubernetes manifests and docker-compose.yml', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t?.close());

  it('every YAML file under deploy/ and docker-compose.yml parses', () => {
    const files = [...yamlFiles(join(ROOT, 'deploy')), join(ROOT, 'docker-compose.yml')];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(documents(file).length).toBeGreaterThan(0);
  });

  it('there is a single-instance variant and a Redis variant for several replicas', () => {
    expect(VARIANTS.sort()).toEqual(['redis', 'single']);
  });

  describe.each(VARIANTS)('deploy/k8s/%s', (variant) => {
    const docs = kustomize(join(K8S, variant));
    const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
    const deployment = byKind('Deployment').find((d) => d.metadata.name === 'cognigy-crm-sync')!;
    const pod = deployment.spec.template;
    const container = pod.spec.containers.find((c: Doc) => c.name === 'app');
    /** The environment the container gets: ConfigMap and Secret via envFrom, then `env` on top. */
    const environment = (): Record<string, string> => {
      const fromRefs = (container.envFrom ?? []).map((source: Doc) => {
        if (source.configMapRef)
          return byKind('ConfigMap').find((c) => c.metadata.name === source.configMapRef.name)!.data;
        return byKind('Secret').find((s) => s.metadata.name === source.secretRef.name)!.stringData;
      });
      const direct = Object.fromEntries((container.env ?? []).map((e: Doc) => [e.name, e.value]));
      return Object.assign({}, ...fromRefs, direct);
    };
    const port = () => Number(environment().PORT ?? DEFAULTS.PORT);

    it('splits settings (ConfigMap) from credentials (Secret), both referenced by the pod', () => {
      expect(container.envFrom.map((s: Doc) => Object.keys(s)[0]).sort()).toEqual(['configMapRef', 'secretRef']);
      const secretNames = Object.keys(byKind('Secret')[0].stringData);
      const settingNames = Object.keys(byKind('ConfigMap')[0].data);
      expect(secretNames.filter((name) => !CREDENTIAL.test(name))).toEqual([]);
      expect(settingNames.filter((name) => CREDENTIAL.test(name))).toEqual([]);
    });

    it('names only variables the service reads, and the values pass its production validation', () => {
      const env = environment();
      expect(Object.keys(env).filter((name) => !VARIABLES.includes(name))).toEqual([]);
      expect(env.NODE_ENV).toBe('production');
      expect(() => validateEnvironment(env)).not.toThrow();
    });

    it('probes paths that answer 200 on the app, on the port the app listens on', async () => {
      const containerPort = container.ports.find((p: Doc) => p.name === 'http').containerPort;
      expect(containerPort).toBe(port());
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      for (const path of [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]) {
        expect((await request(t.server).get(path)).status).toBe(200);
      }
      expect(pod.metadata.annotations['prometheus.io/port']).toBe(String(containerPort));
      expect((await request(t.server).get(pod.metadata.annotations['prometheus.io/path'])).status).toBe(200);
    });

    it('runs the image entrypoint as built (no command override), as a non-root user', () => {
      expect(container.command).toBeUndefined();
      expect(container.args).toBeUndefined();
      expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
      expect(pod.spec.securityContext.runAsUser).not.toBe(0);
      const dataDir = environment().DATA_DIR;
      expect(container.volumeMounts.map((m: Doc) => m.mountPath)).toContain(dataDir);
    });

    it('gives SIGTERM more time than the service needs to drain and exit', () => {
      const graceMs = Number(environment().SHUTDOWN_GRACE_MS ?? DEFAULTS.SHUTDOWN_GRACE_MS);
      expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(graceMs + EXIT_MARGIN_MS);
    });

    it("the Service (and any PodDisruptionBudget) select the Deployment's pods on its named port", () => {
      const labels = pod.metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      const service = byKind('Service').find((s) => s.metadata.name === 'cognigy-crm-sync')!;
      expect(matches(service.spec.selector)).toBe(true);
      expect(service.spec.ports.map((p: Doc) => p.targetPort)).toEqual(['http']);
      expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
      for (const pdb of byKind('PodDisruptionBudget')) expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
    });

    if (variant === 'single') {
      it('runs one replica that never overlaps another on the SQLite volume', () => {
        expect(deployment.spec.replicas).toBe(1);
        expect(deployment.spec.strategy.type).toBe('Recreate');
        expect(environment().QUEUE_DRIVER ?? DEFAULTS.QUEUE_DRIVER).toBe('sqlite');
      });
    } else {
      it('runs several replicas on the Redis it deploys, one disruption at a time', () => {
        const env = environment();
        expect(deployment.spec.replicas).toBeGreaterThan(1);
        expect(env.QUEUE_DRIVER).toBe('redis');
        const redis = byKind('Service').find((s) => s.metadata.name !== 'cognigy-crm-sync')!;
        expect(env.REDIS_URL).toBe(`redis://${redis.metadata.name}:${redis.spec.ports[0].port}`);
        const [pdb] = byKind('PodDisruptionBudget');
        expect(pdb.spec.maxUnavailable).toBe(1);
        const statefulSet = byKind('StatefulSet')[0];
        expect(statefulSet.spec.template.spec.containers[0].args.join(' ')).toContain('--appendonly yes');
      });
    }
  });

  describe('docker-compose.yml', () => {
    const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Doc;
    const app = compose.services.app;
    const env = app.environment as Record<string, string>;

    it('runs the service, Redis and Prometheus (and Grafana)', () => {
      expect(Object.keys(compose.services).sort()).toEqual(['app', 'grafana', 'prometheus', 'redis']);
      expect(app.build).toBe('.');
    });

    it('names only variables the service reads, publishes its PORT and keeps DATA_DIR on a volume', () => {
      expect(Object.keys(env).filter((name) => !VARIABLES.includes(name))).toEqual([]);
      expect(app.ports).toEqual([`${env.PORT}:${env.PORT}`]);
      expect(app.volumes).toContain(`app-data:${env.DATA_DIR}`);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(Number.parseInt(app.stop_grace_period, 10) * 1000).toBeGreaterThan(
        Number(env.SHUTDOWN_GRACE_MS) + EXIT_MARGIN_MS,
      );
    });

    it("Prometheus scrapes the app's /metrics port and loads the alert rules", () => {
      const prometheus = parseYaml(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as Doc;
      const [job] = prometheus.scrape_configs;
      expect(job.metrics_path).toBe('/metrics');
      expect(job.static_configs[0].targets).toEqual([`app:${env.PORT}`]);
      expect(prometheus.rule_files).toEqual(['alerts.yml']);
      expect(compose.services.prometheus.volumes).toContain('./deploy/prometheus:/etc/prometheus:ro');
      const grafanaMounts: string[] = compose.services.grafana.volumes;
      for (const mount of grafanaMounts) expect(existsSync(join(ROOT, mount.split(':')[0]))).toBe(true);
      expect(existsSync(join(dirname(K8S), 'grafana', 'cognigy-crm-sync.json'))).toBe(true);
    });
  });
});
