import type { LineLink } from '../../src/links/types.js';

/** A line link that is always connected and whose I/O is never touched: for device loops whose
 *  test driver answers by itself. */
export function connectedLink(id = 'l'): LineLink {
  return {
    kind: 'line',
    id,
    generation: 1,
    start: () => undefined,
    close: async () => undefined,
    status: () => ({ id, type: 'fake', state: 'connected', address: id, reconnects: 0 }),
    waitConnected: async () => undefined,
    exclusive: (fn) => fn({} as never),
  };
}
