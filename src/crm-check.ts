import { createApp } from './bootstrap';
import { RoutingConfig, routingConfig } from './config/routing.config';
import { CrmCheck } from './crm/crm-check';
import { MappingCheck } from './crm/connectors/mapping-check';
import { RouteMapper, TargetMappings } from './mapping/route-mapper';

/**
 * `npm run crm:check`: builds the application as production does (configuration, mappings,
 * connectors, token flows), then makes one harmless read per mapped object and prints whether the
 * object and its id field exist. With ROUTES_FILE it does so for every target of the file, each
 * through its own connector and credentials with the mappings its routes send there, and prints a
 * result per target. Exit 1 when a mapping fails (or a CRM could not be asked).
 * scripts/crm-check.js runs it with delivery off, so no queued event is sent meanwhile.
 */
async function main(): Promise<number> {
  const app = await createApp();
  await app.init();
  try {
    const routing = app.get<RoutingConfig>(routingConfig.KEY);
    const targets = app.get(RouteMapper).targetMappings();
    const check = app.get(CrmCheck);
    if (!routing.fromFile) return printAlone(await checked(check, targets[0]));
    const connectorOf = new Map(routing.targets.map(({ name, crm }) => [name, crm.connector]));
    // Side by side: a target whose CRM hangs does not hold up the others' reads.
    const results = await Promise.all(targets.map((target) => checked(check, target)));
    results.forEach((result) => printTarget(result, connectorOf.get(result.target)));
    const failed = results.filter((result) => result.failures > 0).map((result) => result.target);
    console.log(
      failed.length > 0
        ? `crm:check: ${failed.length} of ${results.length} targets failed: ${failed.join(', ')}`
        : `crm:check: all ${results.length} targets ok`,
    );
    return failed.length > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

/** One target's mappings checked, one line each; or why the check stopped. */
interface TargetResult {
  target: string;
  mappings: TargetMappings;
  lines: string[];
  failures: number;
  stopped?: string;
}

/** Each CRM record the target's mappings write, read through its connector, one after the other. */
async function checked(check: CrmCheck, mappings: TargetMappings): Promise<TargetResult> {
  const result: TargetResult = { target: mappings.target, mappings, lines: [], failures: 0 };
  try {
    for (const record of mappings.records) {
      const found = await check.check(mappings.target, record);
      const ok = found.objectExists && found.idFieldExists === true && found.missingFields.length === 0;
      if (!ok) result.failures++;
      result.lines.push(`${ok ? 'ok  ' : 'FAIL'} ${record.intent}: ${describe(found)}`);
    }
  } catch (error) {
    result.failures++;
    result.stopped = (error as Error).message;
  }
  return result;
}

/** Without ROUTES_FILE: the one CRM's lines, as they have always been printed. */
function printAlone(result: TargetResult): number {
  if (result.mappings.records.length === 0) {
    console.log('No mapping names a CRM object (CRM_CONNECTOR=generic maps to paths): nothing to check.');
    return 0;
  }
  for (const line of result.lines) console.log(line);
  if (result.stopped) throw new Error(result.stopped);
  return result.failures > 0 ? 1 : 0;
}

/** A target's result line, naming it and its connector, then its mappings' lines indented. */
function printTarget(result: TargetResult, connector: string | undefined): void {
  const { target, mappings, lines, failures, stopped } = result;
  const count = (n: number) => `${n} mapping${n === 1 ? '' : 's'}`;
  let verdict: string;
  if (stopped) verdict = `FAIL, the check stopped: ${stopped}`;
  else if (failures > 0) verdict = `FAIL, ${failures} of ${count(lines.length)} failed`;
  else if (mappings.objectTypes.length === 0) verdict = 'nothing to check: no route sends an intent there';
  else if (mappings.records.length === 0) verdict = 'nothing to check: its mappings name request paths, no CRM object';
  else verdict = `ok, ${count(lines.length)} checked`;
  console.log(`target ${target} (${connector}): ${verdict}`);
  for (const line of lines) console.log(`  ${line}`);
}

function describe(result: MappingCheck): string {
  const { object, idField, objectExists, idFieldExists, missingFields, detail } = result;
  const field = idFieldExists === null ? 'unknown' : idFieldExists ? 'ok' : 'missing';
  const fields = missingFields.length > 0 ? `, fields not found: ${missingFields.join(', ')}` : '';
  return `object ${object} ${objectExists ? 'ok' : 'missing'}, id field ${idField} ${field}${fields} (${detail})`;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`crm:check failed: ${error.message}`);
    process.exit(1);
  },
);
