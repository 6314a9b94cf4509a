import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleMapping, sendContact, sendTicket, settledAs, startConnectorApp } from './support/connector-app';
import { HubspotSpecMocks, hubspotSpecsPresent, HUBSPOT_SPEC_REPO, requestViolations } from './support/prism-mock';
import { TestApp } from './support/test-app';
import { unique } from './support/webhook-cases';

/**
 * What CRM_CONNECTOR=hubspot sends, checked against HubSpot's own published OpenAPI specs
 * (contacts and tickets v3, batch upsert): the real app delivers to Prism mocks of them
 * (@stoplight/prism-cli), which report every way a request departs from the spec. The specs are
 * read from a local clone of HubSpot-public-api-spec-collection, never kept here.
 */

const SPECS = {
  '/crm/v3/objects/contacts': 'PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json',
  '/crm/v3/objects/tickets': 'PublicApiSpecs/CRM/Tickets/Rollouts/424/v3/tickets.json',
};

/**
 * The shipped example mapping with values of every JSON type: number and boolean literals, and
 * metadata that may hold anything (a number, an object). HubSpot takes strings only.
 */
function typedMapping(): string {
  const example = JSON.parse(readFileSync(exampleMapping('hubspot'), 'utf8')) as {
    mappings: Array<{ intent: string; fields: Record<string, unknown> }>;
  };
  for (const entry of example.mappings) {
    if (entry.intent === 'log_support_ticket') {
      Object.assign(entry.fields, { hs_pipeline: { literal: 0 }, hs_pipeline_stage: { literal: 1 } });
    } else {
      Object.assign(entry.fields, {
        cognigy_vip: { literal: true },
        cognigy_score: { metadata: 'score' },
        cognigy_channel: { metadata: 'channel' },
      });
    }
  }
  const file = join(mkdtempSync(join(tmpdir(), 'ccs-hubspot-typed-')), 'hubspot.json');
  writeFileSync(file, JSON.stringify(example));
  return file;
}

const describeWithSpecs = hubspotSpecsPresent() ? describe : describe.skip;
if (!hubspotSpecsPresent()) {
  console.warn(`HubSpot OpenAPI checks skipped: no spec clone at ${HUBSPOT_SPEC_REPO} (set HUBSPOT_SPEC_REPO)`);
}

describeWithSpecs("HubSpot batch upserts against HubSpot's published OpenAPI specs (Prism)", () => {
  const mocks = new HubspotSpecMocks(SPECS);
  let t: TestApp;

  beforeAll(async () => {
    await mocks.start();
    // One attempt each: Prism's generated answers name no input of ours, so nothing is delivered.
    t = await startConnectorApp('hubspot', {
      CRM_BASE_URL: mocks.url,
      CRM_ACCESS_TOKEN: 'pat-na1-prism',
      MAPPINGS_FILE: typedMapping(),
      CRM_MAX_ATTEMPTS: '1',
      CRM_BATCH_SIZE: '3',
      CRM_BATCH_WAIT_MS: '200',
    });
  });
  afterAll(async () => {
    await t?.close();
    await mocks.stop();
  });

  it('every request the app sends passes the spec: contacts and tickets, batched, number, boolean and object values', async () => {
    const ids = await Promise.all([
      sendContact(t, unique('C'), { newStatus: { value: 'gold' } }, { metadata: { score: 4.5, channel: 'voice' } }),
      sendContact(t, unique('C'), { notes: { value: 'n' } }, { metadata: { score: 7, channel: { name: 'chat' } } }),
      sendContact(t, unique('C'), { newStatus: { value: 'x' } }, { metadata: { score: null } }),
      sendTicket(t, unique('T'), 'high'),
      sendTicket(t, unique('T'), 'low'),
      sendTicket(t, unique('T'), 'urgent'),
    ]);
    await settledAs(t, ids, 'dead');
    const sent = mocks.validated.map((v) => ({
      request: `${v.method} ${v.url.replace(/(contacts|tickets)/, '<object>')}`,
      status: v.status,
      violations: requestViolations(v),
    }));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const request of sent) {
      expect(request).toEqual({ request: 'POST /crm/v3/objects/<object>/batch/upsert', status: 200, violations: [] });
    }
    const inputs = mocks.validated.flatMap((v) => (JSON.parse(v.body) as { inputs: unknown[] }).inputs);
    expect(inputs).toHaveLength(6);
    expect(mocks.validated.map((v) => v.url.split('/')[4]).sort()).toEqual(
      expect.arrayContaining(['contacts', 'tickets']),
    );
  });
});
