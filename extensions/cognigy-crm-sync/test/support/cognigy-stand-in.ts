import { join } from 'path';
import type { INodeDescriptor, INodeFunctionBaseParams } from '@cognigy/extension-tools';

/**
 * What Cognigy hands an Extension node when a flow runs it: `cognigy` with input, context, profile
 * and the api (addToContext as documented on docs.cognigy.com "addToContext": a dotted key, mode
 * "simple" replaces), and the node's `config` with its CognigyScript already rendered.
 */

export interface StandIn {
  cognigy: INodeFunctionBaseParams['cognigy'];
  context: Record<string, unknown>;
  outputs: unknown[];
  logs: Array<{ level: string; text: string }>;
  /** Every api call by name, to hold the node to Cognigy's limit of API calls per execution. */
  apiCalls: string[];
}

export function cognigyStandIn(input: Record<string, unknown> = {}, context: Record<string, unknown> = {}): StandIn {
  const outputs: unknown[] = [];
  const logs: Array<{ level: string; text: string }> = [];
  const apiCalls: string[] = [];
  const api = {
    addToContext(key: string, value: unknown, mode: string) {
      apiCalls.push('addToContext');
      if (mode !== 'simple') throw new Error(`the stand-in only knows mode "simple", got ${mode}`);
      const path = key.split('.');
      let at: Record<string, unknown> = context;
      for (const part of path.slice(0, -1)) {
        if (typeof at[part] !== 'object' || at[part] === null) at[part] = {};
        at = at[part] as Record<string, unknown>;
      }
      at[path[path.length - 1]] = value;
    },
    output(text: string, data: unknown) {
      apiCalls.push('output');
      outputs.push({ text, data });
    },
    say(text: string, data: unknown) {
      apiCalls.push('say');
      outputs.push({ text, data });
    },
    log(level: string, text: string) {
      apiCalls.push('log');
      logs.push({ level, text });
    },
  };
  const cognigy = { input, context, profile: {}, api } as unknown as INodeFunctionBaseParams['cognigy'];
  return { cognigy, context, outputs, logs, apiCalls };
}

/** The extension as Cognigy loads it: package.json `main` of the build, not the sources. */
export function loadExtension(): {
  nodes: INodeDescriptor[];
  connections: Array<{ type: string; fields: Array<{ fieldName: string }> }>;
} {
  const main = join(__dirname, '..', '..', '..', 'build', 'module.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(main) as { default: ReturnType<typeof loadExtension> }).default;
}

/** Runs the "Send dialog completion" node of the built extension with `config`. */
export async function runSendNode(standIn: StandIn, config: Record<string, unknown>): Promise<void> {
  const node = loadExtension().nodes.find((n) => n.type === 'sendDialogCompletion');
  if (!node?.function) throw new Error('the built extension has no sendDialogCompletion node');
  await node.function({ cognigy: standIn.cognigy, config, childConfigs: [], nodeId: 'node-under-test' });
}
