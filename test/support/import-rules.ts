import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One folder under `src/` and what it may import from the others. */
export interface ModuleRule {
  /** One line: what the module owns (docs/architecture.md shows the same line). */
  owns: string;
  /** Modules it may import, besides the foundation ones. */
  uses: string[];
  /** Its files others may import (paths inside the folder, no extension), or '*' for all. */
  exposes: string[] | '*';
  /** Development-only code: production code never imports it. */
  devOnly?: boolean;
}

export interface ModuleTable {
  /** Modules every other module may import; they import only what their own `uses` says. */
  foundation: string[];
  modules: Record<string, ModuleRule>;
  /** The composition root: files directly under src/. It may import every production module. */
  root: {
    /** Development-only modules the root may load, and only with a dynamic `import()`. */
    lazy: string[];
  };
}

/** A source file: its path relative to src/ (posix separators) and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

interface ImportRef {
  from: string;
  specifier: string;
  /** `import()`: loaded only when that line runs. */
  dynamic: boolean;
  /** `import type`: erased by the compiler, loads nothing. */
  typeOnly: boolean;
}

export const ROOT = '(root)';

export function readSources(srcDir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        files.push({ path: relative(srcDir, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
      }
    }
  };
  walk(srcDir);
  return files;
}

/** Every module specifier of a file: import/export declarations, `import()`, `require()`. */
function importsOf(file: SourceFile): ImportRef[] {
  const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node) ? node.importClause?.isTypeOnly === true : node.isTypeOnly;
      found.push({ from: file.path, specifier: node.moduleSpecifier.text, dynamic: false, typeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression))
        found.push({ from: file.path, specifier: expression.text, dynamic: false, typeOnly: false });
    } else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const [argument] = node.arguments;
      if ((isImport || isRequire) && ts.isStringLiteralLike(argument)) {
        found.push({ from: file.path, specifier: argument.text, dynamic: isImport, typeOnly: false });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The module of a path relative to src/: its first folder, or the root for files directly in src/. */
export function moduleOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? ROOT : path.slice(0, slash);
}

const isTestCode = (path: string) => /\.(spec|fixture)(\.ts)?$/.test(path);

/** Where a specifier points, relative to src/ ('../x' when outside it); null for a package. */
function target(ref: ImportRef): string | null {
  if (ref.specifier.startsWith('.')) return posix.normalize(posix.join(dirname(ref.from), ref.specifier));
  // tsconfig's baseUrl makes `src/...` and `test/...` importable without a relative path.
  if (/^(src|test)\//.test(ref.specifier)) return posix.relative('src', ref.specifier);
  return null;
}

/** Every broken rule of the table, one sentence each; empty when the sources keep to it. */
export function violations(table: ModuleTable, files: SourceFile[]): string[] {
  const problems: string[] = [];
  const known = new Set([...Object.keys(table.modules), ROOT]);
  for (const folder of new Set(files.map((f) => moduleOf(f.path)))) {
    if (!known.has(folder)) {
      problems.push(
        `src/${folder}/ is in no module of the table: add it to the table in test/architecture.e2e-spec.ts (and to docs/architecture.md)`,
      );
    }
  }
  const edges = new Map<string, Set<string>>();
  for (const ref of files.flatMap(importsOf)) {
    const to = target(ref);
    if (to === null) continue;
    const problem = check(table, ref, to);
    if (problem) problems.push(problem);
    const [a, b] = [moduleOf(ref.from), moduleOf(to)];
    if (a !== b && known.has(b)) edges.set(a, (edges.get(a) ?? new Set()).add(b));
  }
  const cycle = findCycle(edges);
  if (cycle) problems.push(`modules import each other in a cycle: ${cycle.join(' → ')}`);
  problems.push(...folderCycleProblems(files));
  return problems;
}

/**
 * The cycles among the folders of each module (`crm/delivery` → `crm/connectors` → `crm/delivery`),
 * by module: each found cycle's closing import is set aside and the search goes on until none is
 * left, so the list is complete enough to break them all.
 */
function folderCycles(files: SourceFile[]): Map<string, string[][]> {
  const edges = folderEdges(files);
  const cycles = new Map<string, string[][]>();
  for (const name of new Set([...edges.keys()].map((folder) => moduleOf(`${folder}/x`)))) {
    const inside = new Map(
      [...edges].filter(([from]) => moduleOf(`${from}/x`) === name).map(([k, v]) => [k, new Set(v)]),
    );
    for (let cycle = findCycle(inside); cycle; cycle = findCycle(inside)) {
      cycles.set(name, [...(cycles.get(name) ?? []), cycle]);
      inside.get(cycle[cycle.length - 2])?.delete(cycle[cycle.length - 1]);
    }
  }
  return cycles;
}

function folderCycleProblems(files: SourceFile[]): string[] {
  return [...folderCycles(files)].flatMap(([name, cycles]) =>
    cycles.map((cycle) => `folders of ${name} import each other in a cycle: ${cycle.join(' → ')}`),
  );
}

/** A file's folder relative to src/ (`crm/connectors`), or the root's name for files directly in src/. */
const folderOf = (path: string) => (path.includes('/') ? posix.dirname(path) : ROOT);

/**
 * Imports between two folders of one module (`crm/delivery` → `crm/connectors`), type-only ones
 * included: a cycle among them ties the folders together as one between modules would.
 */
function folderEdges(files: SourceFile[]): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const ref of files.flatMap(importsOf)) {
    const to = target(ref);
    if (to === null || to.startsWith('../') || moduleOf(ref.from) !== moduleOf(to)) continue;
    const [a, b] = [folderOf(ref.from), folderOf(to)];
    if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
  }
  return edges;
}

function check(table: ModuleTable, ref: ImportRef, to: string): string | null {
  const where = `src/${ref.from} imports '${ref.specifier}'`;
  if (to.startsWith('../test/'))
    return `${where}: code under src/ never imports test/ (move the helper beside what it builds, as a *.fixture.ts)`;
  if (to.startsWith('../')) return null;
  if (isTestCode(to) && !isTestCode(ref.from)) return `${where}: production code never imports a spec or a fixture`;
  const [from, into] = [moduleOf(ref.from), moduleOf(to)];
  if (from === into) return null;
  const rule = table.modules[into];
  if (!rule) return null; // the unknown folder is reported once, above
  if (from === ROOT) {
    if (rule.devOnly && !(table.root.lazy.includes(into) && (ref.dynamic || ref.typeOnly))) {
      return `${where}: the root loads the development-only ${into} module with a dynamic import() (or an \`import type\`) only, so production never loads it`;
    }
  } else {
    const mayUse = [...(table.modules[from]?.uses ?? []), ...(table.foundation.includes(from) ? [] : table.foundation)];
    if (!mayUse.includes(into)) {
      const allowed = mayUse.length > 0 ? mayUse.join(', ') : 'nothing';
      return `${where}: ${from} may import ${allowed}, not ${into} (the table in test/architecture.e2e-spec.ts, docs/architecture.md)`;
    }
  }
  const inside = to.slice(into.length + 1).replace(/\.ts$/, '');
  if (rule.exposes !== '*' && !rule.exposes.includes(inside) && !isTestCode(ref.from)) {
    return `${where}: ${into}/${inside} is internal to ${into}, which exposes ${rule.exposes.join(', ')}`;
  }
  return null;
}

/** A cycle in the module graph, as the list of modules around it, or null. */
export function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * Every file outside its own connector's folder (`crm/connectors/<name>/`) and the registry that
 * names a connector, one sentence each. Specs and fixtures may name any.
 */
export function connectorNameLeaks(files: SourceFile[], names: string[], registry: string): string[] {
  const problems: string[] = [];
  for (const file of files.filter((f) => !isTestCode(f.path) && f.path !== registry)) {
    const named = names.filter(
      (name) => !file.path.startsWith(`crm/connectors/${name}/`) && new RegExp(name, 'i').test(file.text),
    );
    if (named.length > 0) {
      problems.push(`src/${file.path} names ${named.join(', ')}: only a connector's own folder and ${registry} may`);
    }
  }
  return problems;
}
