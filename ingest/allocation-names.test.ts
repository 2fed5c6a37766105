import { describe, expect, it } from 'vitest';
import { AllocationNames, objectName } from './allocation-names.ts';

describe('allocation naming', () => {
  it('spells the address in hex with the allocation count', () => {
    // 0x7f00_0000_1000 = 139637976731648
    expect(objectName(139637976731648, 3)).toBe('mem@0x7f0000001000#3');
  });

  it('counts reuse of an address per owner; frees take the live name, or #0 when none is live', () => {
    const n = new AllocationNames();
    expect(n.alloc('gpu0', 4096)).toBe('mem@0x1000#1');
    expect(n.alloc('gpu1', 4096)).toBe('mem@0x1000#1'); // another owner: its own count
    expect(n.free('gpu0', 4096)).toBe('mem@0x1000#1');
    expect(n.free('gpu0', 4096)).toBe('mem@0x1000#0'); // nothing live any more: allocated before the capture
    expect(n.alloc('gpu0', 4096)).toBe('mem@0x1000#2'); // the address handed out again
    expect(n.free('gpu0', 8192)).toBe('mem@0x2000#0');
    expect(n.free('gpu1', 4096)).toBe('mem@0x1000#1');
  });
});
