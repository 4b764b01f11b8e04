/**
 * Pieces of gateway YAML shared by the tests that start a real gateway process.
 */

/**
 * The world, simulators, links and devices sections for `count` simulated scpi-dmm instruments
 * measuring standard z1: simulator and device dmm-a, dmm-b, … each on its own TCP link a, b, …,
 * read by the scpi driver every `interval` (a YAML duration) without draining the error queue.
 * Ends with a newline.
 */
export function simulatedDmmsYaml(count: number, interval: string): string {
  const letters = Array.from({ length: count }, (_, i) => String.fromCharCode(97 + i));
  return [
    'world: { standards: [ { id: z1 } ] }',
    'simulators:',
    ...letters.map((l) => `  - { id: dmm-${l}, kind: scpi-dmm, listen: { tcp: { port: 0 } }, options: { standard: z1 } }`),
    'links:',
    ...letters.map((l) => `  - { id: ${l}, type: tcp, simulator: dmm-${l} }`),
    'devices:',
    ...letters.map((l) => `  - { id: dmm-${l}, driver: scpi, link: ${l}, interval: ${interval}, options: { drainErrors: false } }`),
    '',
  ].join('\n');
}
