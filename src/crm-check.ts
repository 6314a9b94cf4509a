import { createApp } from './bootstrap';
import { CrmCheck } from './crm/crm-check';
import { MappingCheck } from './crm/connectors/mapping-check';
import { IntentMapper } from './mapping/intent-mapper';

/**
 * `npm run crm:check`: builds the application as production does (configuration, mappings file,
 * connector, token flow), then makes one harmless read per mapped object and prints whether the
 * object and its id field exist. Exit 1 when one does not (or the CRM could not be asked).
 * scripts/crm-check.js runs it with delivery off, so no queued event is sent meanwhile.
 */
async function main(): Promise<number> {
  const app = await createApp();
  await app.init();
  try {
    const targets = app.get(IntentMapper).targets();
    if (targets.length === 0) {
      console.log('No mapping names a CRM object (CRM_CONNECTOR=generic maps to paths): nothing to check.');
      return 0;
    }
    let failures = 0;
    for (const target of targets) {
      const result = await app.get(CrmCheck).check(target);
      const ok = result.objectExists && result.idFieldExists === true && result.missingFields.length === 0;
      if (!ok) failures++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${target.intent}: ${describe(result)}`);
    }
    return failures > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
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
