import { DIALOG_COMPLETE_EXAMPLE } from './body-examples';

/** The documented dialog-completion sample, as the raw JSON body a Cognigy flow posts. */
export function sampleDialog(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(DIALOG_COMPLETE_EXAMPLE), ...overrides };
}
