import { describe, expect, it } from 'vitest';
import { parseMemcpyKind } from './memcpy-kind.ts';

describe('parseMemcpyKind', () => {
  it('reads direction and memory kinds from Kineto labels', () => {
    expect(parseMemcpyKind('Memcpy HtoD (Pinned -> Device)')).toEqual({ direction: 'HtoD', src: 'host', dst: 'device', srcMem: 'pinned', dstMem: 'device' });
    expect(parseMemcpyKind('Memcpy DtoH (Device -> Pageable)')).toEqual({ direction: 'DtoH', src: 'device', dst: 'host', srcMem: 'device', dstMem: 'pageable' });
    expect(parseMemcpyKind('Memcpy DtoD (Device -> Device)')).toMatchObject({ direction: 'DtoD', src: 'device', dst: 'device' });
    // PtoP: the destination is the peer device (args.toDevice).
    expect(parseMemcpyKind('Memcpy PtoP (Device -> Device)')).toMatchObject({ direction: 'PtoP', src: 'device', dst: 'peer', srcMem: 'device', dstMem: 'device' });
    expect(parseMemcpyKind('Memcpy HtoD (Managed -> Device)')).toMatchObject({ srcMem: 'managed' });
    expect(parseMemcpyKind('Memcpy AtoH (Array -> Pinned)')).toMatchObject({ src: 'device', dst: 'host', srcMem: 'device', dstMem: 'pinned' });
  });

  it('ROCm: "Host" says no memory kind; args.kind gives the direction when the label does not', () => {
    expect(parseMemcpyKind('Memcpy HtoD (Host -> Device)')).toMatchObject({ srcMem: null, dstMem: 'device' });
    expect(parseMemcpyKind('CopyHostToDevice', 'HtoD')).toMatchObject({ direction: 'HtoD', srcMem: null, dstMem: 'device' });
    expect(parseMemcpyKind('Memcpy (something new)')).toBeNull();
    expect(parseMemcpyKind('Memcpy', 1)).toBeNull();
  });
});
