import { describe, expect, it } from 'vitest';
import { copyMemKind } from './copy-memory-kind.ts';

describe('the memory kind of a copy row', () => {
  it('is the host side whenever there is one, whatever the device side says', () => {
    expect(copyMemKind('host', 'device', 'pageable', 'device')).toBe('pageable'); // HtoD from pageable memory
    expect(copyMemKind('device', 'host', 'device', 'pinned')).toBe('pinned'); // DtoH into pinned memory
    expect(copyMemKind('host', 'device', null, 'device')).toBeNull(); // host kind unknown: not guessed from the device side
    expect(copyMemKind('host', 'host', 'pinned', 'pageable')).toBe('pinned'); // HtoH: the source
  });

  it('between devices is the source by default, or what the reader passes', () => {
    expect(copyMemKind('device', 'device', 'device', 'managed')).toBe('device');
    expect(copyMemKind('device', 'peer', null, 'device')).toBeNull();
    expect(copyMemKind('device', 'peer', null, 'device', 'device')).toBe('device');
  });
});
