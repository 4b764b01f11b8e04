import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { adapterSetupCommands, escapeForPrologix, prologixLinkConfig } from '../../src/links/prologix-config.js';
import { PrologixDecoder } from '../../simulators/shared/prologix-decoder.js';

const ESC = '\x1b';

describe('escapeForPrologix', () => {
  it('leaves text without CR, LF, ESC or + unchanged', () => {
    expect(escapeForPrologix('FUNC DCV,10')).toBe('FUNC DCV,10');
  });

  it('prefixes each of CR, LF, ESC and + with ESC', () => {
    expect(escapeForPrologix('NPLC +1E+2')).toBe(`NPLC ${ESC}+1E${ESC}+2`);
    expect(escapeForPrologix('A\rB\nC\x1bD')).toBe(`A${ESC}\rB${ESC}\nC${ESC}${ESC}D`);
    expect(escapeForPrologix('++ver')).toBe(`${ESC}+${ESC}+ver`);
  });

  it('round-trips any text through the adapter framing as one instrument data frame', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('+', '\r', '\n', ESC, 'A', ' ', ',', '1', '"'), minLength: 1 }), (text) => {
        const frames = new PrologixDecoder().push(escapeForPrologix(text) + '\n');
        expect(frames).toEqual([{ kind: 'data', text }]);
      }),
    );
  });
});

describe('adapterSetupCommands', () => {
  it('disables EEPROM saving first, then sets controller mode, address, no auto-read, EOI, eos and timeout', () => {
    expect(adapterSetupCommands({ address: 22, eos: 2, readTimeoutMs: 3000 })).toEqual([
      '++savecfg 0',
      '++mode 1',
      '++addr 22',
      '++auto 0',
      '++eoi 1',
      '++eos 2',
      '++eot_enable 0',
      '++read_tmo_ms 3000',
    ]);
  });
});

describe('PrologixDecoder (the simulated adapter framing)', () => {
  it('tells adapter commands from instrument data by an unescaped leading ++', () => {
    const d = new PrologixDecoder();
    expect(d.push('++addr 22\n+5\nID?\r\n')).toEqual([
      { kind: 'command', text: 'addr 22' },
      { kind: 'data', text: '+5' },
      { kind: 'data', text: 'ID?' },
    ]);
    expect(d.push(`${ESC}++ver\n+${ESC}+ver\n`)).toEqual([
      { kind: 'data', text: '++ver' },
      { kind: 'data', text: '++ver' },
    ]);
  });

  it('keeps an escaped LF inside the frame and joins frames split across chunks', () => {
    const d = new PrologixDecoder();
    expect(d.push(`DISP MSG,"A${ESC}`)).toEqual([]);
    expect(d.push('\nB"\n')).toEqual([{ kind: 'data', text: 'DISP MSG,"A\nB"' }]);
  });
});

describe('prologixLinkConfig', () => {
  it('defaults to port 1234, ++eos 2 and a 3 s ++read_tmo_ms, and needs host or simulator', () => {
    expect(prologixLinkConfig.parse({ id: 'g', type: 'prologix', host: '10.0.0.5', address: 22 })).toMatchObject({ port: 1234, eos: 2, readTimeout: 3000 });
    expect(prologixLinkConfig.safeParse({ id: 'g', type: 'prologix', address: 22 }).success).toBe(false);
    expect(prologixLinkConfig.safeParse({ id: 'g', type: 'prologix', host: 'h', simulator: 's', address: 22 }).success).toBe(false);
  });

  it('refuses a read timeout the adapter cannot take (over 3 s) and an address beyond 30', () => {
    expect(prologixLinkConfig.safeParse({ id: 'g', type: 'prologix', host: 'h', address: 22, readTimeout: '5s' }).success).toBe(false);
    expect(prologixLinkConfig.safeParse({ id: 'g', type: 'prologix', host: 'h', address: 31 }).success).toBe(false);
  });
});
