import { RoutingConfig } from '../config/routing.config';
import { RouteLabels } from './route-labels';

const named = (names: string[]) => names.map((name) => ({ name }));
const labels = (fromFile: boolean, targets: string[], sources: string[]) =>
  new RouteLabels({
    fromFile,
    targets: named(targets),
    sources: named(sources),
    routes: [],
  } as unknown as RoutingConfig);

describe('RouteLabels', () => {
  it('adds no label without a routing file, whatever the signal names', () => {
    const routes = labels(false, ['default'], ['default']);
    expect(routes.targetNames()).toEqual([]);
    expect(routes.sourceNames()).toEqual([]);
    expect(routes.target(undefined)).toEqual({});
    expect(routes.target('crm')).toEqual({});
    expect(routes.source('chat')).toEqual({});
    expect(routes.perTarget([{ object: 'contact' }])).toEqual([{ object: 'contact' }]);
  });

  it('labels the names of the routing file, `default` for an unnamed signal, and nothing else', () => {
    const routes = labels(true, ['crm', 'desk'], ['default', 'chat']);
    expect(routes.targetNames()).toEqual(['target']);
    expect(routes.sourceNames()).toEqual(['source']);
    expect(routes.target('desk')).toEqual({ target: 'desk' });
    expect(routes.target('retired')).toBeNull();
    expect(routes.target(undefined)).toBeNull();
    expect(routes.source(undefined)).toEqual({ source: 'default' });
    expect(routes.source('chat')).toEqual({ source: 'chat' });
    expect(routes.source('../etc')).toBeNull();
    expect(routes.perTarget([{ object: 'contact' }])).toEqual([
      { object: 'contact', target: 'crm' },
      { object: 'contact', target: 'desk' },
    ]);
  });
});
